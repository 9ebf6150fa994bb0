import Primitives
import Testing
import TinyJSON

@testable import LambdaRuntime

@Suite struct EndpointTests {
    @Test(arguments: [
        ("127.0.0.1:9001", "http://127.0.0.1:9001/2018-06-01/runtime/invocation/next"),
        ("http://127.0.0.1:9001", "http://127.0.0.1:9001/2018-06-01/runtime/invocation/next"),
        ("http://127.0.0.1:9001/.rt/fn/", "http://127.0.0.1:9001/.rt/fn/2018-06-01/runtime/invocation/next"),
        ("localhost:80", "http://localhost:80/2018-06-01/runtime/invocation/next"),
    ])
    func acceptsLenientForms(_ value: String, _ next: String) throws {
        #expect(try RuntimeAPIEndpoint(value).nextURL == next)
    }

    @Test(arguments: ["", "https://x:1", "host:notaport", "host:0", "host:70000"])
    func rejectsInvalid(_ value: String) {
        #expect(throws: RuntimeAPIError.self) { try RuntimeAPIEndpoint(value) }
    }

    @Test func buildsInvocationURLs() throws {
        let e = try RuntimeAPIEndpoint("127.0.0.1:1")
        #expect(e.responseURL("abc") == "http://127.0.0.1:1/2018-06-01/runtime/invocation/abc/response")
        #expect(e.errorURL("abc") == "http://127.0.0.1:1/2018-06-01/runtime/invocation/abc/error")
        #expect(e.initErrorURL == "http://127.0.0.1:1/2018-06-01/runtime/init/error")
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

    @Test func decodesFunctionURLEvent() throws {
        let event = #"""
            {"version":"2.0","rawPath":"/api/x","rawQueryString":"a=1&b=2","cookies":["c=1"],
             "headers":{"Content-Type":"application/json","x-dup":"1,2"},"queryStringParameters":{"a":"1","b":"2"},
             "requestContext":{"http":{"method":"post","path":"/api/x","sourceIp":"10.0.0.1"},"requestId":"r1"},
             "body":"aGVsbG8=","isBase64Encoded":true}
            """#
        let r = try FunctionURLRequest(event: Array(event.utf8))
        #expect(r.method == "POST")
        #expect(r.rawPath == "/api/x")
        #expect(r.headers["content-type"] == "application/json")
        #expect(r.cookies == ["c=1"])
        #expect(r.queryStringParameters["b"] == "2")
        #expect(r.body == Array("hello".utf8))
        #expect(r.requestID == "r1" && r.sourceIP == "10.0.0.1")
    }

    @Test func invalidEventsNameTheProblem() {
        #expect(throws: InvalidEventError.self) { try FunctionURLRequest(event: Array("nope".utf8)) }
        do {
            _ = try FunctionURLRequest(event: Array(#"{"requestContext":{"http":{}}}"#.utf8))
            Issue.record("expected an error")
        } catch {
            #expect(error.message.contains("requestContext.http.method"))
        }
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
