import CCurl
import Primitives
import Synchronization

/// A running HTTP request: read its head and body as they arrive, and for `.stream` bodies write the request
/// body chunk by chunk. Each queued chunk is sent as soon as the loop thread sees it, so nothing waits for a
/// second write to flush the first. Both directions stop the producer at `highWater` bytes (backpressure).
///
/// `@unchecked Sendable`: shared state lives in `state` (a `Locked`) and two atomics; `easy`, `headerList` and
/// `headParser` are touched only on the curl loop thread (see `CurlTransfer+Loop.swift`).
public final class CurlTransfer: @unchecked Sendable {
    /// Bytes buffered in either direction before the producer is made to wait.
    static let highWater = 256 * 1024

    struct State {
        var head: Result<CurlResponseHead, CurlError>?
        var headWaiters: [CheckedContinuation<CurlResponseHead, any Error>] = []

        // Response body.
        var received = ChunkQueue()
        var bodyEnd: Result<Void, CurlError>?
        var reader: CheckedContinuation<HTTPBodyEvent, any Error>?
        var readerDeadlineNs: UInt64 = 0
        var recvPaused = false

        // Request body (.stream).
        var outgoing = ChunkQueue()
        var uploadFinished = false
        var trailers: [(String, String)] = []
        var sendPaused = false
        var writers: [CheckedContinuation<Void, any Error>] = []

        // Completion.
        var done: Result<Int, CurlError>?
        var doneWaiters: [CheckedContinuation<Int, any Error>] = []
        var cancelled = false
    }

    let state = Locked(State())
    let loop: CurlLoop
    let streamsBody: Bool
    /// When a parked reader gets `.timeout` (monotonic ns; 0 = no deadline). Mirrors `State.readerDeadlineNs`
    /// so the loop can scan every transfer's deadline without taking its lock.
    let readerDeadlineNs = Atomic<UInt64>(0)
    /// When the transfer fails unless its response head has arrived (0 = no deadline, or the head is in).
    let headDeadlineNs = Atomic<UInt64>(0)

    // Loop thread only.
    var easy: UnsafeMutableRawPointer?
    /// Position in the loop's array of active transfers (-1 when not active).
    var activeIndex = -1
    var headerList: UnsafeMutablePointer<curl_slist>?
    var headParser: ResponseHeadParser
    var headerOverflow = false

    init(request: CurlRequest, loop: CurlLoop) {
        self.loop = loop
        if case .stream = request.body { streamsBody = true } else { streamsBody = false }
        headParser = ResponseHeadParser(maxBytes: request.maxHeaderBytes)
        if let deadline = request.headDeadline { headDeadlineNs.store(max(deadline.nanoseconds, 1), ordering: .relaxed) }
    }

    // MARK: - reading the response

    /// Waits for the status line and headers.
    public func head() async throws(CurlError) -> CurlResponseHead {
        do {
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (c: CheckedContinuation<CurlResponseHead, any Error>) in
                    let ready: Result<CurlResponseHead, CurlError>? = state.withLock { s in
                        if let head = s.head { return head }
                        s.headWaiters.append(c)
                        return nil
                    }
                    if let ready { c.resume(with: ready.mapError { $0 as any Error }) }
                }
            } onCancel: {
                self.cancel()
            }
        } catch {
            throw Self.asCurlError(error)
        }
    }

    /// The next piece of the response body; `.timeout` once `deadline` passes with nothing new.
    public func next(until deadline: MonotonicClock.Instant? = nil) async throws(CurlError) -> HTTPBodyEvent {
        do {
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (c: CheckedContinuation<HTTPBodyEvent, any Error>) in
                    enum Outcome {
                        case resume(Result<HTTPBodyEvent, CurlError>, unpause: Bool)
                        case wait(deadline: UInt64, unpause: Bool)
                    }
                    let outcome: Outcome = state.withLock { s in
                        if let chunk = s.received.popFirst() {
                            // Resume a receiver paused for backpressure once half the buffer has drained.
                            let unpause = s.recvPaused && s.received.byteCount < Self.highWater / 2
                            if unpause { s.recvPaused = false }
                            return .resume(.success(.data(chunk)), unpause: unpause)
                        }
                        if let end = s.bodyEnd {
                            return .resume(end.map { .end }, unpause: false)
                        }
                        if let deadline, deadline.nanoseconds <= MonotonicClock.now.nanoseconds {
                            return .resume(.success(.timeout), unpause: false)
                        }
                        s.reader = c
                        s.readerDeadlineNs = deadline.map { max($0.nanoseconds, 1) } ?? 0
                        readerDeadlineNs.store(s.readerDeadlineNs, ordering: .relaxed)
                        let unpause = s.recvPaused
                        s.recvPaused = false
                        return .wait(deadline: s.readerDeadlineNs, unpause: unpause)
                    }
                    switch outcome {
                    case .resume(let result, let unpause):
                        if unpause { scheduleUnpause() }
                        c.resume(with: result.mapError { $0 as any Error })
                    case .wait(let deadline, let unpause):
                        if deadline != 0 { loop.noteDeadline(deadline) }
                        if unpause { scheduleUnpause() }
                    }
                }
            } onCancel: {
                self.cancel()
            }
        } catch {
            throw Self.asCurlError(error)
        }
    }

    /// Reads the rest of the body, failing with `.transport` (and cancelling) once it exceeds `limit` bytes.
    public func collectBody(limit: Int) async throws(CurlError) -> [UInt8] {
        var out: [UInt8] = []
        while true {
            switch try await next() {
            case .data(let bytes):
                if out.count + bytes.count > limit {
                    cancel()
                    throw CurlError(.transport, "response body larger than \(limit) bytes")
                }
                out.append(contentsOf: bytes)
            case .end: return out
            case .timeout: continue
            }
        }
    }

    // MARK: - writing a streamed request body

    /// Queues `bytes` as one chunk of a `.stream` request body; waits only when much is already queued.
    public func write(_ bytes: [UInt8]) async throws(CurlError) {
        if try enqueue(bytes) { try await waitForCapacity() }
    }

    /// Queues `bytes` as one chunk without waiting; returns true when the caller should wait for capacity
    /// (`waitForCapacity`) before queueing more. Lets callers order several chunks atomically.
    public func enqueue(_ bytes: [UInt8]) throws(CurlError) -> Bool {
        guard streamsBody else { throw CurlError(.usage, "request has no streamed body") }
        guard !bytes.isEmpty else { return false }  // an empty chunk would end the chunked body
        enum Outcome { case fail(CurlError), queued(unpause: Bool, wait: Bool) }
        let outcome: Outcome = state.withLock { s in
            if let done = s.done {
                if case .failure(let e) = done { return .fail(e) }
                return .fail(CurlError(.usage, "request already completed"))
            }
            if s.uploadFinished { return .fail(CurlError(.usage, "body already finished")) }
            s.outgoing.append(bytes)
            let unpause = s.sendPaused
            s.sendPaused = false
            return .queued(unpause: unpause, wait: s.outgoing.byteCount > Self.highWater)
        }
        switch outcome {
        case .fail(let e): throw e
        case .queued(let unpause, let wait):
            if unpause { scheduleUnpause() }
            return wait
        }
    }

    /// Waits until the queued request body drops below the high-water mark (or the transfer ends).
    public func waitForCapacity() async throws(CurlError) {
        do {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                let immediate: Result<Void, CurlError>? = state.withLock { s in
                    if let done = s.done {
                        if case .failure(let e) = done { return .failure(e) }
                        return .success(())
                    }
                    if s.outgoing.byteCount <= Self.highWater { return .success(()) }
                    s.writers.append(c)
                    return nil
                }
                if let immediate { c.resume(with: immediate.mapError { $0 as any Error }) }
            }
        } catch {
            throw Self.asCurlError(error)
        }
    }

    /// Ends a `.stream` body, sending `trailers` after the last chunk, and waits for the response status.
    @discardableResult
    public func finish(trailers: [(String, String)] = []) async throws(CurlError) -> Int {
        let unpause: Bool = state.withLock { s in
            guard !s.uploadFinished else { return false }
            s.uploadFinished = true
            s.trailers = trailers
            let unpause = s.sendPaused
            s.sendPaused = false
            return unpause
        }
        if unpause { scheduleUnpause() }
        return try await completion()
    }

    // MARK: - completion

    /// Waits until the transfer ends; returns the status code.
    @discardableResult
    public func completion() async throws(CurlError) -> Int {
        do {
            return try await withCheckedThrowingContinuation { (c: CheckedContinuation<Int, any Error>) in
                let done: Result<Int, CurlError>? = state.withLock { s in
                    if let done = s.done { return done }
                    s.doneWaiters.append(c)
                    return nil
                }
                if let done { c.resume(with: done.mapError { $0 as any Error }) }
            }
        } catch {
            throw Self.asCurlError(error)
        }
    }

    /// Aborts the transfer; pending and later calls fail with `.cancelled`.
    public func cancel() {
        let first = state.withLock { s -> Bool in
            if s.cancelled || s.done != nil { return false }
            s.cancelled = true
            return true
        }
        guard first else { return }
        loop.enqueue { [self] in
            guard let easy else { return }
            loop.remove(easy: easy)
            loopCompleted(code: CURLE_ABORTED_BY_CALLBACK, message: "cancelled")
        }
    }

    static func asCurlError(_ error: any Error) -> CurlError {
        if let e = error as? CurlError { return e }
        return CurlError(.cancelled, "cancelled")
    }

    func scheduleUnpause() {
        loop.enqueue { [self] in loopApplyPauseState() }
    }
}
