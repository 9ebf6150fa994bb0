import CurlHTTP

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The Lambda Runtime API client loop: take an invocation from `/next`, run the handler, report the
/// result, repeat. Start-up failures go to `/init/error`, then the process exits.
public enum LambdaRuntime {
    /// Runs the loop forever. `makeHandler` runs once before the first `/next`; if it throws, the
    /// error is reported through `/runtime/init/error` and the process exits with status 1.
    public static func run<H: LambdaHandler>(_ makeHandler: () async throws -> H) async -> Never {
        guard let raw = getenv("AWS_LAMBDA_RUNTIME_API") else {
            fail("AWS_LAMBDA_RUNTIME_API is not set: bootstrap must run inside Lambda or under lambda-local")
        }
        let endpoint: RuntimeAPIEndpoint
        do {
            endpoint = try RuntimeAPIEndpoint(String(cString: raw))
        } catch {
            fail(error.description)
        }
        let client = CurlClient.shared
        let handler: H
        do {
            handler = try await makeHandler()
        } catch {
            let info = lambdaErrorInfo(error)
            log("init error: \(info.type): \(info.message)")
            await postError(client: client, url: endpoint.initErrorURL, type: info.type, message: info.message)
            exit(1)
        }
        // The whole loop runs on the curl thread: /next, the handler and its upstream reads and response writes
        // share one thread, so a relayed frame costs no thread hop (bench/OPTIMISATIONS.md §3).
        await withTaskExecutorPreference(CurlClient.taskExecutor) {
            await loop(handler, client: client, endpoint: endpoint)
        }
        fail("the invocation loop ended")
    }

    static func loop<H: LambdaHandler>(_ handler: H, client: CurlClient, endpoint: RuntimeAPIEndpoint) async {
        var consecutiveFailures = 0
        while true {
            switch await nextInvocation(client: client, endpoint: endpoint) {
            case .invocation(let event, let context):
                consecutiveFailures = 0
                await invoke(handler, event: event, context: context, client: client, endpoint: endpoint)
            case .skip:
                consecutiveFailures = 0
            case .unreachable(let message):
                fail("Runtime API unreachable at \(endpoint.hostPort): \(message)")
            case .failed(let message):
                consecutiveFailures += 1
                log("GET /next failed: \(message)")
                if consecutiveFailures >= 3 { fail("Runtime API keeps failing: \(message)") }
            }
        }
    }

    enum Next {
        case invocation([UInt8], LambdaContext)
        case skip
        case unreachable(String)
        case failed(String)
    }

    static func nextInvocation(client: CurlClient, endpoint: RuntimeAPIEndpoint) async -> Next {
        // No overall timeout: the sandbox may be frozen for a long time between invocations.
        let request = CurlRequest(method: "GET", url: endpoint.nextURL, connectTimeoutMs: 2000)
        let head: CurlResponseHead
        let body: [UInt8]
        do {
            (head, body) = try await client.fetch(request, limit: 7 << 20)
        } catch {
            if error.kind == .connect { return .unreachable(error.message) }
            return .failed(error.message)
        }
        guard head.status == 200 else {
            return .failed("status \(head.status): \(String(decoding: body.prefix(300), as: UTF8.self))")
        }
        guard let requestID = head.headers["Lambda-Runtime-Aws-Request-Id"], !requestID.isEmpty else {
            // Without an id there is nothing to answer; ask for the next invocation.
            log("invocation without Lambda-Runtime-Aws-Request-Id header ignored")
            return .skip
        }
        guard let deadlineText = head.headers["Lambda-Runtime-Deadline-Ms"], let deadline = Int64(deadlineText) else {
            log("invocation \(requestID) has no valid Lambda-Runtime-Deadline-Ms header")
            await postError(
                client: client, url: endpoint.errorURL(requestID), type: "Runtime.InvalidInvocation",
                message: "missing or invalid Lambda-Runtime-Deadline-Ms header")
            return .skip
        }
        let trace = head.headers["Lambda-Runtime-Trace-Id"]
        TraceEnvironment.export(trace)
        let context = LambdaContext(
            requestID: requestID, deadlineMs: deadline,
            invokedFunctionARN: head.headers["Lambda-Runtime-Invoked-Function-Arn"], traceID: trace,
            clientContext: head.headers["Lambda-Runtime-Client-Context"],
            cognitoIdentity: head.headers["Lambda-Runtime-Cognito-Identity"],
            tenantID: head.headers["Lambda-Runtime-Aws-Tenant-Id"])
        return .invocation(body, context)
    }

    static func invoke<H: LambdaHandler>(
        _ handler: H, event: [UInt8], context: LambdaContext, client: CurlClient, endpoint: RuntimeAPIEndpoint
    ) async {
        let writer = LambdaResponseWriter(client: client, responseURL: endpoint.responseURL(context.requestID))
        do {
            try await handler.handle(event: event, context: context, writer: writer)
            if writer.hasStarted {
                try await writer.finish()
            } else {
                // The handler wrote nothing at all: answer with an empty buffered payload.
                try await writer.respondBuffered([], contentType: "application/json")
            }
        } catch let error as ResponseWriterError where error.tooLarge {
            log("invocation \(context.requestID): \(error.message)")
            await postError(
                client: client, url: endpoint.errorURL(context.requestID), type: "Function.ResponseSizeTooLarge",
                message: error.message)
        } catch {
            let info = lambdaErrorInfo(error)
            if writer.hasStarted {
                log("invocation \(context.requestID) failed mid-stream: \(info.type): \(info.message)")
                do {
                    try await writer.fail(type: info.type, message: info.message)
                } catch {
                    log("invocation \(context.requestID): could not end the stream: \(error.message)")
                }
            } else {
                log("invocation \(context.requestID) failed: \(info.type): \(info.message)")
                await postError(client: client, url: endpoint.errorURL(context.requestID), type: info.type, message: info.message)
            }
        }
    }

    static func postError(client: CurlClient, url: String, type: String, message: String) async {
        var headers = HeaderFields()
        headers.add("Lambda-Runtime-Function-Error-Type", type)
        headers.add("Content-Type", "application/json")
        let request = CurlRequest(
            method: "POST", url: url, headers: headers, body: .bytes(errorDocument(type: type, message: message)),
            connectTimeoutMs: 2000, timeoutMs: 10_000)
        do {
            let (head, _) = try await client.fetch(request, limit: 1 << 20)
            if head.status != 202 { log("Runtime API answered \(head.status) to \(url)") }
        } catch {
            log("could not report error to \(url): \(error.message)")
        }
    }

    /// Writes one line to stderr (CloudWatch captures it).
    static func log(_ message: String) {
        let line = Array(("[runtime] " + message + "\n").utf8)
        line.withUnsafeBytes { _ = Glibc.write(2, $0.baseAddress, $0.count) }
    }

    static func fail(_ message: String) -> Never {
        log("fatal: " + message)
        exit(1)
    }
}

/// Where the Runtime API lives. Accepts `host:port` as Lambda sets it, and also an `http://` scheme
/// and a path prefix as some local emulators do.
struct RuntimeAPIEndpoint: Sendable {
    let hostPort: String
    let base: String

    init(_ value: String) throws(RuntimeAPIError) {
        var rest = Substring(value.trimmingSpacesAndSlashes())
        if rest.hasPrefix("http://") { rest = rest.dropFirst(7) }
        if rest.hasPrefix("https://") { throw RuntimeAPIError("AWS_LAMBDA_RUNTIME_API must be plain http, got \(value)") }
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let host = rest[..<slash]
        let path = rest[slash...]
        guard !host.isEmpty else { throw RuntimeAPIError("AWS_LAMBDA_RUNTIME_API has no host: \(value)") }
        if let colon = host.lastIndex(of: ":") {
            let port = host[host.index(after: colon)...]
            guard let p = Int(port), p > 0, p < 65536 else {
                throw RuntimeAPIError("AWS_LAMBDA_RUNTIME_API has an invalid port: \(value)")
            }
        }
        hostPort = String(host)
        base = "http://" + hostPort + path + "/2018-06-01/runtime"
    }

    var nextURL: String { base + "/invocation/next" }
    var initErrorURL: String { base + "/init/error" }
    func responseURL(_ id: String) -> String { base + "/invocation/" + id + "/response" }
    func errorURL(_ id: String) -> String { base + "/invocation/" + id + "/error" }
}

/// `AWS_LAMBDA_RUNTIME_API` could not be understood.
struct RuntimeAPIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension String {
    fileprivate func trimmingSpacesAndSlashes() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " { s.removeFirst() }
        while let l = s.last, l == " " || l == "/" { s.removeLast() }
        return String(s)
    }
}

/// Exports `_X_AMZN_TRACE_ID` without leaking: glibc's `setenv` keeps every value it was ever given
/// (callers may still hold old `getenv` pointers), so a unique trace id per invocation would grow the
/// heap by ~100 bytes each time. Instead one buffer we own is `putenv`ed and rewritten in place.
enum TraceEnvironment {
    private static let name = Array("_X_AMZN_TRACE_ID=".utf8)
    private static let capacity = 512
    /// Allocated once and never freed: `environ` may point at it.
    private nonisolated(unsafe) static let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: capacity)

    /// Sets or removes the variable for the invocation about to run (runtime loop only).
    static func export(_ trace: String?) {
        guard let trace else {
            unsetenv("_X_AMZN_TRACE_ID")
            return
        }
        let value = Array(trace.utf8)
        guard name.count + value.count < capacity, !value.contains(0) else {
            setenv("_X_AMZN_TRACE_ID", trace, 1)  // unusually long: correctness over a small leak
            return
        }
        for (i, b) in (name + value).enumerated() { buffer[i] = CChar(bitPattern: b) }
        buffer[name.count + value.count] = 0
        // Re-insert only when `environ` no longer points at our buffer (first use, after unset or setenv).
        if getenv("_X_AMZN_TRACE_ID") != buffer + name.count {
            putenv(buffer)
        }
    }
}
