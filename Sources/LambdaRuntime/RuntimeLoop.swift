import CurlHTTP
import Primitives

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The Lambda Runtime API client loop: take an invocation from `/next`, run the handler, report the result,
/// repeat — in `AWS_LAMBDA_MAX_CONCURRENCY` workers at once (Lambda Managed Instances), one by default.
public enum RuntimeLoop {
    /// Largest `AWS_LAMBDA_MAX_CONCURRENCY` accepted; far above what one process can usefully relay.
    public static let maxConcurrency = 1024

    /// The entry point for a synchronous `main`. The calling thread becomes the curl loop thread and the whole
    /// runtime runs on it, so no other thread starts before the first `/next` (cold start). `makeHandler` runs
    /// once, before the first `/next`; if it throws, the error goes to `/runtime/init/error` and the process
    /// exits with status 1. Never returns.
    public static func main<H: LambdaHandler>(_ makeHandler: @escaping @Sendable () throws -> H) -> Never {
        guard let raw = getenv("AWS_LAMBDA_RUNTIME_API") else {
            fail("AWS_LAMBDA_RUNTIME_API is not set: bootstrap must run inside Lambda or under lambda-local")
        }
        let endpoint: RuntimeAPIEndpoint
        do {
            endpoint = try RuntimeAPIEndpoint(String(cString: raw))
        } catch {
            fail(error.message)
        }
        let concurrency = Result { () throws(ConcurrencyError) -> Int in
            try parseConcurrency(getenv("AWS_LAMBDA_MAX_CONCURRENCY").map { String(cString: $0) })
        }
        CurlClient.runLoopOnCurrentThread {
            Task(executorPreference: CurlClient.taskExecutor) {
                let client = CurlRuntimeAPIClient(endpoint: endpoint)
                let handler: H
                let n: Int
                do {
                    n = try concurrency.get()
                    prepareResources(concurrency: n)
                    handler = try makeHandler()
                } catch {
                    let report = ErrorReport(error)
                    log("init error: \(report.errorType): \(report.errorMessage)")
                    do throws(RuntimeAPIError) {
                        try await client.reportInitError(report)
                    } catch {
                        log("could not report the init error: \(error.message)")
                    }
                    exit(1)
                }
                let end = await run(handler: handler, client: client, concurrency: n)
                fail("Runtime API at \(endpoint.hostPort): \(end.message)")
            }
        }
    }

    /// Reads `AWS_LAMBDA_MAX_CONCURRENCY`: absent means 1; anything but an integer in 1...`maxConcurrency` is
    /// an init error that names the variable.
    public static func parseConcurrency(_ value: String?) throws(ConcurrencyError) -> Int {
        guard let value, !value.isEmpty else { return 1 }
        guard let n = Int(value), (1...maxConcurrency).contains(n) else { throw ConcurrencyError(value: value) }
        return n
    }

    /// Sizes process resources for `concurrency` invocations at once: each holds up to three connections
    /// (`/next` or `/response`, the upstream, a side call), so the connection cache and the open-file limit grow.
    static func prepareResources(concurrency: Int) {
        CurlClient.setMaxConnections(max(16, concurrency * 3))
        let needed = rlim_t(concurrency * 4 + 64)
        var limit = rlimit()
        if getrlimit(RLIMIT_NOFILE_VALUE, &limit) == 0, limit.rlim_cur < needed, limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max
            if setrlimit(RLIMIT_NOFILE_VALUE, &limit) != 0 { log("could not raise the open-file limit to \(limit.rlim_max)") }
        }
    }

    /// Why the loop stopped.
    public struct End: Sendable, Equatable {
        /// What happened.
        public let message: String
    }

    /// Serves invocations from `client` with `concurrency` workers until the Runtime API goes away or every
    /// worker has given up. Each worker keeps its own `/next` open; one invocation's failure never touches
    /// another. `_X_AMZN_TRACE_ID` is exported only with one worker: the environment holds one value.
    public static func run<H: LambdaHandler>(handler: H, client: some RuntimeAPIClient, concurrency: Int) async -> End {
        let exportTrace = concurrency == 1
        return await withTaskGroup(of: End?.self) { group in
            for _ in 0..<max(1, concurrency) {
                group.addTask { await serve(handler, client: client, exportTrace: exportTrace) }
            }
            var gaveUp = 0
            var last = End(message: "no worker ran")
            for await end in group {
                guard let end else { continue }
                if end.message.hasPrefix("unreachable") {
                    group.cancelAll()
                    return end
                }
                gaveUp += 1
                last = end
                if gaveUp == max(1, concurrency) { return last }
            }
            return last
        }
    }

    /// One worker: `/next`, handle, repeat. Returns when the Runtime API is unreachable, or after repeated
    /// failures of `/next` (a Runtime API that keeps refusing is not worth hammering).
    static func serve<H: LambdaHandler>(_ handler: H, client: some RuntimeAPIClient, exportTrace: Bool) async -> End? {
        var failures = 0
        while !Task.isCancelled {
            let invocation: Invocation
            do {
                invocation = try await client.nextInvocation()
            } catch {
                switch error.kind {
                case .unreachable:
                    return End(message: "unreachable: \(error.message)")
                case .invalidInvocation(let requestID):
                    log(error.message)
                    if let requestID {
                        do throws(RuntimeAPIError) {
                            try await client.reportInvocationError(
                                requestID: requestID, ErrorReport(errorType: "Runtime.InvalidInvocation", errorMessage: error.message))
                        } catch {
                            log("could not report the invalid invocation: \(error.message)")
                        }
                    }
                    continue
                default:
                    failures += 1
                    log("GET /next failed (\(failures) in a row): \(error.message)")
                    if failures >= 3 { return End(message: "keeps failing: \(error.message)") }
                    try? await CurlClient.sleep(until: MonotonicClock.now.advanced(byMilliseconds: Int64(50 << failures)))
                    continue
                }
            }
            failures = 0
            if exportTrace { TraceEnvironment.export(invocation.context.traceID) }
            await invoke(handler, invocation, client: client)
        }
        return nil
    }

    /// Runs the handler for one invocation and ends its response, whatever the handler did.
    static func invoke<H: LambdaHandler>(_ handler: H, _ invocation: Invocation, client: some RuntimeAPIClient) async {
        let id = invocation.context.requestID
        let writer = StreamingResponseWriter(client: client, requestID: id)
        do {
            try await handler.handle(event: invocation.event, context: invocation.context, writer: writer)
            try await writer.close()
        } catch {
            log("invocation \(id) failed: " + (await writer.close(failing: error)))
        }
    }

    /// Writes one line to stderr (CloudWatch captures it).
    static func log(_ message: String) {
        let line = Array(("[runtime] " + message + "\n").utf8)
        line.withUnsafeBytes { _ = write(2, $0.baseAddress, $0.count) }
    }

    static func fail(_ message: String) -> Never {
        log("fatal: " + message)
        exit(1)
    }
}

/// `AWS_LAMBDA_MAX_CONCURRENCY` is not usable.
public struct ConcurrencyError: LambdaFunctionError, CustomStringConvertible {
    /// The value found.
    public let value: String
    public var errorType: String { "InvalidConfiguration" }
    public var errorMessage: String {
        "AWS_LAMBDA_MAX_CONCURRENCY: must be an integer from 1 to \(RuntimeLoop.maxConcurrency), got '\(value)'"
    }
    public var description: String { errorMessage }
}

#if canImport(Glibc)
private let RLIMIT_NOFILE_VALUE = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
#else
private let RLIMIT_NOFILE_VALUE = RLIMIT_NOFILE
#endif
