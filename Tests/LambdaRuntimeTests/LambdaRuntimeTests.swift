import Primitives
import Testing
import TinyJSON

@testable import LambdaRuntime

@Suite struct RuntimeAPIRequestTests {
    @Test(arguments: [
        ("127.0.0.1:9001", "http://127.0.0.1:9001/2018-06-01/runtime/invocation/next"),
        ("http://127.0.0.1:9001", "http://127.0.0.1:9001/2018-06-01/runtime/invocation/next"),
        ("http://127.0.0.1:9001/.rt/fn/", "http://127.0.0.1:9001/.rt/fn/2018-06-01/runtime/invocation/next"),
        ("localhost:80", "http://localhost:80/2018-06-01/runtime/invocation/next"),
    ])
    func acceptsLenientEndpoints(_ value: String, _ next: String) throws {
        #expect(try RuntimeAPIEndpoint(value).url(for: .next) == next)
    }

    @Test(arguments: ["", "https://x:1", "host:notaport", "host:0", "host:70000"])
    func rejectsInvalidEndpoints(_ value: String) {
        #expect(throws: RuntimeAPIError.self) { try RuntimeAPIEndpoint(value) }
    }

    @Test func buildsEveryRequestInOnePlace() throws {
        let e = try RuntimeAPIEndpoint("127.0.0.1:1")
        #expect(e.url(for: .response(requestID: "abc")) == "http://127.0.0.1:1/2018-06-01/runtime/invocation/abc/response")
        #expect(e.url(for: .invocationError(requestID: "abc", errorType: "Function.X"))
            == "http://127.0.0.1:1/2018-06-01/runtime/invocation/abc/error")
        #expect(e.url(for: .initError(errorType: "Function.X")) == "http://127.0.0.1:1/2018-06-01/runtime/init/error")
        #expect(RuntimeAPIRequest.next.method == "GET" && RuntimeAPIRequest.initError(errorType: "x").method == "POST")
        let streamed = RuntimeAPIRequest.streamedResponse(requestID: "a").headers()
        #expect(streamed.contains { $0 == ("Lambda-Runtime-Function-Response-Mode", "streaming") })
        #expect(streamed.contains { $0 == ("Trailer", "Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body") })
        #expect(RuntimeAPIRequest.invocationError(requestID: "a", errorType: "Function.Boom").headers()
            .contains { $0 == ("Lambda-Runtime-Function-Error-Type", "Function.Boom") })
    }

    @Test func percentEncodesTheRequestID() throws {
        let e = try RuntimeAPIEndpoint("127.0.0.1:1")
        #expect(e.url(for: .response(requestID: "a/../b c")) == "http://127.0.0.1:1/2018-06-01/runtime/invocation/a%2F..%2Fb%20c/response")
    }

    @Test func contextComesFromNextHeadersAndNamesWhatIsMissing() throws {
        let headers = ["Lambda-Runtime-Aws-Request-Id": "r1", "Lambda-Runtime-Deadline-Ms": "1700000000000",
                       "Lambda-Runtime-Trace-Id": "Root=1-abc", "Lambda-Runtime-Invoked-Function-Arn": ""]
        let c = try LambdaContext(header: { headers[$0] })
        #expect(c.requestID == "r1" && c.deadlineMs == 1_700_000_000_000 && c.traceID == "Root=1-abc")
        #expect(c.invokedFunctionARN == nil)
        do {
            _ = try LambdaContext(header: { $0 == "Lambda-Runtime-Aws-Request-Id" ? "r2" : nil })
            Issue.record("expected an invalid invocation")
        } catch {
            #expect(error.kind == .invalidInvocation(requestID: "r2"))
        }
        #expect(throws: RuntimeAPIError.self) { try LambdaContext(header: { _ in nil }) }
        #expect(throws: RuntimeAPIError.self) {
            try LambdaContext(header: { $0 == "Lambda-Runtime-Aws-Request-Id" ? "r3" : "-5" })
        }
    }

    @Test(arguments: [("0", false), ("-1", false), ("abc", false), ("100000", false), ("1", true), ("256", true), ("", true)])
    func concurrencyMustBeAPositiveInteger(_ value: String, _ valid: Bool) {
        if valid {
            #expect((try? RuntimeLoop.parseConcurrency(value)) != nil)
        } else {
            do {
                _ = try RuntimeLoop.parseConcurrency(value)
                Issue.record("expected \(value) to be refused")
            } catch {
                #expect(error.errorMessage.contains("AWS_LAMBDA_MAX_CONCURRENCY"))
            }
        }
        #expect((try? RuntimeLoop.parseConcurrency(nil)) == 1)
    }
}

@Suite struct PreludeAndEventTests {
    @Test func preludeHasNoNULAndDropsContentLength() throws {
        let p = HTTPResponsePrelude(
            statusCode: 201, headers: [("content-type", "text/plain"), ("Content-Length", "5"), ("x-nul", "a\u{0}b")],
            cookies: ["a=b; Path=/"])
        let bytes = p.encoded()
        #expect(!bytes.contains(0))
        let doc = try JSONValue.parse(bytes)
        #expect(doc["statusCode"]?.intValue == 201)
        #expect(doc["headers"] == ["content-type": "text/plain", "x-nul": "a\u{0}b"])
        #expect(doc["cookies"] == ["a=b; Path=/"])
    }

    @Test func errorTypesFollowLambdasPattern() {
        struct Named: LambdaFunctionError {
            var errorType: String { "upstream-timeout 2" }
            var errorMessage: String { "slow" }
        }
        struct Plain: Error {}
        #expect(lambdaErrorInfo(Named()).type == "Function.Upstreamtimeout")
        #expect(lambdaErrorInfo(Named()).message == "slow")
        #expect(lambdaErrorInfo(Plain()).type == "Function.Plain")
    }
}

#if canImport(Glibc)
import Glibc
#endif

@Suite struct TraceEnvironmentTests {
    func current() -> String? { getenv("_X_AMZN_TRACE_ID").map { String(cString: $0) } }

    @Test func exportsUpdatesAndRemovesInPlace() {
        TraceEnvironment.export("Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Sampled=1")
        #expect(current() == "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Sampled=1")
        let pointer = getenv("_X_AMZN_TRACE_ID")
        for i in 0..<1000 { TraceEnvironment.export("Root=1-\(i)") }
        #expect(current() == "Root=1-999")
        // The same storage is rewritten: no new string per invocation (glibc's setenv would keep them all).
        #expect(getenv("_X_AMZN_TRACE_ID") == pointer)
        TraceEnvironment.export(nil)
        #expect(current() == nil)
        TraceEnvironment.export("Root=1-again")
        #expect(current() == "Root=1-again")
        let long = String(repeating: "x", count: 2000)
        TraceEnvironment.export(long)
        #expect(current() == long)
        TraceEnvironment.export("Root=1-short")
        #expect(current() == "Root=1-short")
        TraceEnvironment.export(nil)
    }
}
