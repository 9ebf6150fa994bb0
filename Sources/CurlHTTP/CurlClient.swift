import Primitives

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An async streaming HTTP/1.1 client over libcurl; one instance serves the Runtime API and every upstream.
public struct CurlClient: Sendable {
    /// The shared client.
    public static let shared = CurlClient()

    /// CA bundle to trust: `SSL_CERT_FILE` when set, else the first bundle found on this system.
    /// A statically linked OpenSSL keeps the build machine's default path, which Amazon Linux does not have.
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

    /// The curl loop thread as a task executor. Code run with `withTaskExecutorPreference(CurlClient.taskExecutor)`
    /// shares the thread that reads and writes the sockets: no thread hop between an upstream read and the
    /// Runtime API write. Such code must never block the thread (no semaphores, blocking reads or `sleep`).
    public static var taskExecutor: any TaskExecutor { CurlLoop.shared }

    /// Makes the calling thread (normally `main`'s) the curl loop thread, runs `start` on it, then serves
    /// transfers and tasks forever. The process then starts no other thread before its first request.
    public static func runLoopOnCurrentThread(_ start: @escaping @Sendable () -> Void) -> Never {
        CurlLoop.shared.runOnCurrentThread(start)
    }

    /// Keeps up to `count` idle connections open for reuse (libcurl's connection cache).
    public static func setMaxConnections(_ count: Int) {
        CurlLoop.shared.setMaxConnections(count)
    }

    /// Starts `request` and returns at once; read the head and body, or write the body, from the transfer.
    public func start(_ request: CurlRequest) -> CurlTransfer {
        let loop = CurlLoop.shared
        let transfer = CurlTransfer(request: request, loop: loop)
        if loop.isLoopThread {
            transfer.loopStart(request)
        } else {
            loop.enqueue { transfer.loopStart(request) }
        }
        return transfer
    }

    /// Sends `request` and waits for the response head; the body is read from the returned transfer.
    public func execute(_ request: CurlRequest) async throws(CurlError) -> (CurlResponseHead, CurlTransfer) {
        let transfer = start(request)
        let head = try await transfer.head()
        return (head, transfer)
    }

    /// Sends `request` and collects the whole response, refusing bodies over `limit` bytes.
    public func fetch(_ request: CurlRequest, limit: Int) async throws(CurlError) -> (CurlResponseHead, [UInt8]) {
        let (head, transfer) = try await execute(request)
        let body = try await transfer.collectBody(limit: limit)
        return (head, body)
    }

    /// Sleeps until `deadline` on the curl loop's timer list. Cancelling the task ends the sleep at once and
    /// frees the timer, unlike `Task.sleep`, whose queued timer (and its memory) lives on until the original
    /// deadline; and it needs no timer thread.
    public static func sleep(until deadline: MonotonicClock.Instant) async throws {
        let loop = CurlLoop.shared
        let sleeper = Sleeper()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                sleeper.continuation.withLock { $0 = c }
                loop.enqueue {
                    guard !sleeper.cancelled else { return }
                    sleeper.timerID = loop.addTimer(at: deadline.nanoseconds) {
                        sleeper.timerID = nil
                        sleeper.takeContinuation()?.resume()
                    }
                }
                if Task.isCancelled { sleeper.cancel(loop) }
            }
        } onCancel: {
            sleeper.cancel(loop)
        }
    }
}

/// One `CurlClient.sleep`. `@unchecked Sendable`: the continuation is under a lock; `timerID` and
/// `cancelled` are touched on the curl loop thread only.
private final class Sleeper: @unchecked Sendable {
    let continuation = Locked<CheckedContinuation<Void, any Error>?>(nil)
    var timerID: UInt64?
    var cancelled = false

    func takeContinuation() -> CheckedContinuation<Void, any Error>? {
        continuation.withLock { c in
            defer { c = nil }
            return c
        }
    }

    func cancel(_ loop: CurlLoop) {
        guard let c = takeContinuation() else { return }
        c.resume(throwing: CancellationError())
        loop.enqueue { [self] in
            cancelled = true
            if let id = timerID { loop.cancelTimer(id) }
            timerID = nil
        }
    }
}
