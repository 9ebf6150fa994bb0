import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An async streaming HTTP/1.1 client over libcurl; one instance serves the Runtime API and every upstream.
public struct HTTPClient: Sendable {
    /// The shared client.
    public static let shared = HTTPClient()

    /// CA bundle to trust: `SSL_CERT_FILE` when set, else the first bundle found on this system.
    /// A static OpenSSL keeps the build machine's default path, which Amazon Linux does not have.
    static let caBundle: String? = {
        if let env = getenv("SSL_CERT_FILE") { return String(cString: env) }
        for path in ["/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/certs/ca-certificates.crt", "/etc/ssl/cert.pem"]
        where access(path, R_OK) == 0 {
            return path
        }
        return nil
    }()

    /// A client on the process-wide curl loop.
    public init() {}

    /// The curl loop thread as a task executor. Code run with `withTaskExecutorPreference(HTTPClient.taskExecutor)`
    /// shares the thread that reads and writes the sockets: no thread hop between an upstream read and the
    /// Runtime API write. Keep long CPU-bound work off it; it delays every transfer's I/O meanwhile.
    public static var taskExecutor: any TaskExecutor { CurlLoop.shared }

    /// Starts `request` and returns at once; read the head and body, or write the body, from the transfer.
    public func start(_ request: HTTPRequest) -> HTTPTransfer {
        let loop = CurlLoop.shared
        let transfer = HTTPTransfer(request: request, loop: loop)
        loop.enqueue { transfer.loopStart(request) }
        return transfer
    }

    /// Sends `request` and waits for the response head; the body is read from the returned transfer.
    public func execute(_ request: HTTPRequest) async throws(HTTPClientError) -> (HTTPResponseHead, HTTPTransfer) {
        let transfer = start(request)
        let head = try await transfer.head()
        return (head, transfer)
    }

    /// Sends `request` and collects the whole response, refusing bodies over `limit` bytes.
    public func fetch(_ request: HTTPRequest, limit: Int = 8 << 20) async throws(HTTPClientError) -> (HTTPResponseHead, [UInt8]) {
        let (head, transfer) = try await execute(request)
        let body = try await transfer.collectBody(limit: limit)
        return (head, body)
    }
}

extension HTTPClient {
    /// Sleeps `ms` on the curl loop's timer list. Cancelling the task ends the sleep at once and frees the
    /// timer, unlike `Task.sleep`, whose queued timer (and its memory) lives on until the original
    /// deadline — hundreds of bytes per cancelled race, held for minutes when racing a long timeout.
    public static func sleep(ms: Int) async throws {
        let loop = CurlLoop.shared
        let sleeper = Sleeper()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                sleeper.continuation.withLock { $0 = c }
                loop.enqueue {
                    guard !sleeper.cancelled else { return }
                    sleeper.timerID = loop.addTimer(afterMs: UInt64(max(ms, 0))) {
                        sleeper.timerID = nil
                        sleeper.continuation.withLock { c -> CheckedContinuation<Void, any Error>? in
                            defer { c = nil }
                            return c
                        }?.resume()
                    }
                }
                if Task.isCancelled { sleeper.cancel(loop) }
            }
        } onCancel: {
            sleeper.cancel(loop)
        }
    }
}

/// One `HTTPClient.sleep`: the continuation under a lock; the timer fields are touched on the loop thread only.
private final class Sleeper: @unchecked Sendable {
    let continuation = Mutex<CheckedContinuation<Void, any Error>?>(nil)
    var timerID: UInt64?
    var cancelled = false

    func cancel(_ loop: CurlLoop) {
        let c = continuation.withLock { c -> CheckedContinuation<Void, any Error>? in
            defer { c = nil }
            return c
        }
        guard let c else { return }
        c.resume(throwing: CancellationError())
        loop.enqueue { [self] in
            cancelled = true
            if let id = timerID { loop.cancelTimer(id) }
            timerID = nil
        }
    }
}
