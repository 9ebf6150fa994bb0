import CCurl
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A running HTTP request: read its head and body as they arrive, and for `.stream` bodies write the
/// request body chunk by chunk. Each `write` becomes one HTTP chunk on the wire, sent as soon as the
/// loop thread sees it, so nothing waits for a second write to flush the first.
public final class HTTPTransfer: @unchecked Sendable {
    /// Bytes buffered in either direction before the producer is made to wait.
    static let highWater = 256 * 1024

    private struct State {
        var head: Result<HTTPResponseHead, HTTPClientError>?
        var headWaiters: [CheckedContinuation<HTTPResponseHead, any Error>] = []

        // Response body.
        var received: [[UInt8]] = []
        var receivedHead = 0
        var receivedBytes = 0
        var bodyEnd: Result<Void, HTTPClientError>?
        var reader: CheckedContinuation<HTTPBodyEvent, any Error>?
        /// When a waiting reader gets `.timeout` (ms, `CurlLoop.nowMs`); 0 = never. The loop checks it each
        /// iteration, so a wait costs no timer object, no job and usually no wake-up.
        var readerDeadline: UInt64 = 0
        var recvPaused = false

        // Request body (.stream).
        var outgoing: [[UInt8]] = []
        var outgoingHead = 0
        var current: [UInt8] = []
        var currentOffset = 0
        var queuedBytes = 0
        var uploadFinished = false
        var trailers: [(String, String)] = []
        var sendPaused = false
        var writers: [CheckedContinuation<Void, any Error>] = []

        // Completion.
        var done: Result<Int, HTTPClientError>?
        var doneWaiters: [CheckedContinuation<Int, any Error>] = []
        var cancelled = false

        // Header parsing (loop thread only, kept here for simplicity).
        var status = 0
        var headerFields: [(String, String)] = []
    }

    private let state = Mutex(State())
    private let loop: CurlLoop
    private let streamsBody: Bool
    // Loop-thread only.
    private var easy: UnsafeMutableRawPointer?
    private var headerList: UnsafeMutablePointer<curl_slist>?

    init(request: HTTPRequest, loop: CurlLoop) {
        self.loop = loop
        if case .stream = request.body { streamsBody = true } else { streamsBody = false }
    }

    // MARK: - caller API

    /// Waits for the status line and headers.
    public func head() async throws(HTTPClientError) -> HTTPResponseHead {
        do {
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (c: CheckedContinuation<HTTPResponseHead, any Error>) in
                    let ready: Result<HTTPResponseHead, HTTPClientError>? = state.withLock { s in
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
            throw Self.asClientError(error)
        }
    }

    /// The next piece of the response body; `.timeout` when `timeoutMs` passes with nothing new.
    public func next(timeoutMs: Int? = nil) async throws(HTTPClientError) -> HTTPBodyEvent {
        do {
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (c: CheckedContinuation<HTTPBodyEvent, any Error>) in
                    enum Outcome { case resume(Result<HTTPBodyEvent, HTTPClientError>, unpause: Bool), wait(deadline: UInt64, unpause: Bool) }
                    let outcome: Outcome = state.withLock { s in
                        if s.receivedHead < s.received.count {
                            let chunk = s.received[s.receivedHead]
                            s.received[s.receivedHead] = []
                            s.receivedHead += 1
                            if s.receivedHead == s.received.count {
                                s.received.removeAll(keepingCapacity: true)
                                s.receivedHead = 0
                            }
                            s.receivedBytes -= chunk.count
                            // Resume a receiver paused for backpressure once half the buffer has drained.
                            let unpause = s.recvPaused && s.receivedBytes < Self.highWater / 2
                            if unpause { s.recvPaused = false }
                            return .resume(.success(.data(chunk)), unpause: unpause)
                        }
                        if let end = s.bodyEnd {
                            return .resume(end.map { .end }, unpause: false)
                        }
                        s.reader = c
                        s.readerDeadline = timeoutMs.map { CurlLoop.nowMs() + UInt64(max($0, 0)) } ?? 0
                        let unpause = s.recvPaused
                        s.recvPaused = false
                        return .wait(deadline: s.readerDeadline, unpause: unpause)
                    }
                    switch outcome {
                    case .resume(let result, let unpause):
                        if unpause { scheduleUnpause() }
                        c.resume(with: result.mapError { $0 as any Error })
                    case .wait(let deadline, let unpause):
                        if unpause {
                            scheduleUnpause()  // wakes the loop, which then sees the deadline too
                        } else if deadline != 0 {
                            loop.noteDeadline(deadline)
                        }
                    }
                }
            } onCancel: {
                self.cancel()
            }
        } catch {
            throw Self.asClientError(error)
        }
    }

    /// Reads the rest of the body, failing when it exceeds `limit` bytes.
    public func collectBody(limit: Int) async throws(HTTPClientError) -> [UInt8] {
        var out: [UInt8] = []
        while true {
            switch try await next() {
            case .data(let bytes):
                if out.count + bytes.count > limit {
                    cancel()
                    throw HTTPClientError(.transport, "response body larger than \(limit) bytes")
                }
                out.append(contentsOf: bytes)
            case .end: return out
            case .timeout: continue
            }
        }
    }

    /// Queues `bytes` as one chunk of a `.stream` request body; waits only when much is already queued.
    public func write(_ bytes: [UInt8]) async throws(HTTPClientError) {
        if try enqueue(bytes) { try await waitForCapacity() }
    }

    /// Queues `bytes` as one chunk without waiting; returns true when the caller should wait for
    /// capacity (`waitForCapacity`) before queueing more. Lets callers order several chunks atomically.
    public func enqueue(_ bytes: [UInt8]) throws(HTTPClientError) -> Bool {
        guard streamsBody else { throw HTTPClientError(.usage, "request has no streamed body") }
        guard !bytes.isEmpty else { return false }  // an empty chunk would end the chunked body
        enum Outcome { case fail(HTTPClientError), queued(unpause: Bool, wait: Bool) }
        let outcome: Outcome = state.withLock { s in
            if let done = s.done {
                if case .failure(let e) = done { return .fail(e) }
                return .fail(HTTPClientError(.usage, "request already completed"))
            }
            if s.uploadFinished { return .fail(HTTPClientError(.usage, "body already finished")) }
            s.outgoing.append(bytes)
            s.queuedBytes += bytes.count
            let unpause = s.sendPaused
            s.sendPaused = false
            return .queued(unpause: unpause, wait: s.queuedBytes > Self.highWater)
        }
        switch outcome {
        case .fail(let e): throw e
        case .queued(let unpause, let wait):
            if unpause { scheduleUnpause() }
            return wait
        }
    }

    /// Ends a `.stream` body, sending `trailers` after the last chunk, and waits for the response status.
    @discardableResult
    public func finish(trailers: [(String, String)] = []) async throws(HTTPClientError) -> Int {
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

    /// Waits until the transfer ends; returns the status code.
    @discardableResult
    public func completion() async throws(HTTPClientError) -> Int {
        do {
            return try await withCheckedThrowingContinuation { (c: CheckedContinuation<Int, any Error>) in
                let done: Result<Int, HTTPClientError>? = state.withLock { s in
                    if let done = s.done { return done }
                    s.doneWaiters.append(c)
                    return nil
                }
                if let done { c.resume(with: done.mapError { $0 as any Error }) }
            }
        } catch {
            throw Self.asClientError(error)
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

    // MARK: - internals (caller side)

    private static func asClientError(_ error: any Error) -> HTTPClientError {
        if let e = error as? HTTPClientError { return e }
        return HTTPClientError(.cancelled, "cancelled")
    }

    /// Waits until the queued request body drops below the high-water mark (or the transfer ends).
    public func waitForCapacity() async throws(HTTPClientError) {
        do {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                let immediate: Result<Void, HTTPClientError>? = state.withLock { s in
                    if let done = s.done {
                        if case .failure(let e) = done { return .failure(e) }
                        return .success(())
                    }
                    if s.queuedBytes <= Self.highWater { return .success(()) }
                    s.writers.append(c)
                    return nil
                }
                if let immediate { c.resume(with: immediate.mapError { $0 as any Error }) }
            }
        } catch {
            throw Self.asClientError(error)
        }
    }

    private func scheduleUnpause() {
        loop.enqueue { [self] in applyPauseState() }
    }

    /// Times out a waiting reader whose deadline has passed; returns the pending deadline, or `.max` (loop thread).
    func loopReaderDeadline(now: UInt64) -> UInt64 {
        let (expired, next) = state.withLock { s -> (CheckedContinuation<HTTPBodyEvent, any Error>?, UInt64) in
            guard let r = s.reader, s.readerDeadline != 0 else { return (nil, .max) }
            if s.readerDeadline > now { return (nil, s.readerDeadline) }
            s.reader = nil
            s.readerDeadline = 0
            return (r, .max)
        }
        expired?.resume(returning: .timeout)
        return next
    }

    // MARK: - loop thread

    /// Creates the easy handle and adds it to the multi handle (loop thread).
    func loopStart(_ request: HTTPRequest) {
        if state.withLock({ $0.cancelled }) {
            loopCompleted(code: CURLE_ABORTED_BY_CALLBACK, message: "cancelled")
            return
        }
        guard let h = curl_easy_init() else {
            loopCompleted(code: CURLE_FAILED_INIT, message: "curl_easy_init failed")
            return
        }
        easy = h
        let me = Unmanaged.passUnretained(self).toOpaque()
        as_setopt_str(h, CURLOPT_URL, request.url)
        as_setopt_long(h, CURLOPT_NOSIGNAL, 1)
        as_setopt_long(h, CURLOPT_TCP_NODELAY, 1)
        as_setopt_long(h, CURLOPT_HTTP_VERSION, AS_CURL_HTTP_VERSION_1_1)
        // Ignore proxy variables: the Runtime API is local and upstreams are reached directly.
        as_setopt_str(h, CURLOPT_PROXY, "")
        as_setopt_long(h, CURLOPT_FOLLOWLOCATION, 0)
        if let ca = HTTPClient.caBundle { as_setopt_str(h, CURLOPT_CAINFO, ca) }
        if let ms = request.connectTimeoutMs { as_setopt_long(h, CURLOPT_CONNECTTIMEOUT_MS, ms) }
        as_setopt_long(h, CURLOPT_TIMEOUT_MS, request.timeoutMs ?? 0)

        as_setopt_datacb(h, CURLOPT_HEADERFUNCTION, headerCallback)
        as_setopt_ptr(h, CURLOPT_HEADERDATA, me)
        as_setopt_datacb(h, CURLOPT_WRITEFUNCTION, writeCallback)
        as_setopt_ptr(h, CURLOPT_WRITEDATA, me)

        var list: UnsafeMutablePointer<curl_slist>? = nil
        for field in request.headers {
            list = curl_slist_append(list, "\(field.name): \(field.value)")
        }
        // Never wait for 100-continue: neither the Runtime API nor the upstreams send it.
        list = curl_slist_append(list, "Expect:")

        let method = request.method.uppercased()
        switch request.body {
        case .none:
            if method == "GET" {
                as_setopt_long(h, CURLOPT_HTTPGET, 1)
            } else if method == "HEAD" {
                as_setopt_long(h, CURLOPT_NOBODY, 1)
            } else {
                as_setopt_long(h, CURLOPT_POST, 1)
                as_setopt_off(h, CURLOPT_POSTFIELDSIZE_LARGE, 0)
                as_setopt_str(h, CURLOPT_COPYPOSTFIELDS, "")
            }
        case .bytes(let bytes):
            as_setopt_long(h, CURLOPT_POST, 1)
            as_setopt_off(h, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(bytes.count))
            bytes.withUnsafeBufferPointer { buf in
                _ = as_setopt_ptr(h, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: buf.baseAddress ?? UnsafePointer(bitPattern: 1)))
            }
        case .stream:
            as_setopt_long(h, CURLOPT_POST, 1)
            as_setopt_off(h, CURLOPT_POSTFIELDSIZE_LARGE, -1)
            as_setopt_datacb(h, CURLOPT_READFUNCTION, readCallback)
            as_setopt_ptr(h, CURLOPT_READDATA, me)
            as_setopt_trailercb(h, trailerCallback)
            as_setopt_ptr(h, CURLOPT_TRAILERDATA, me)
            list = curl_slist_append(list, "Transfer-Encoding: chunked")
        }
        if method != "GET" && method != "POST" && method != "HEAD" {
            as_setopt_str(h, CURLOPT_CUSTOMREQUEST, method)
        }
        headerList = list
        as_setopt_slist(h, CURLOPT_HTTPHEADER, list)
        // The loop holds a strong reference until completion, balancing the unretained callback pointers.
        loop.add(self, easy: h)
    }

    /// Applies the current pause wishes to the easy handle (loop thread).
    private func applyPauseState() {
        guard let easy else { return }
        let (recv, send) = state.withLock { ($0.recvPaused, $0.sendPaused) }
        var mask: Int32 = 0
        if recv { mask |= AS_CURLPAUSE_RECV }
        if send { mask |= AS_CURLPAUSE_SEND }
        curl_easy_pause(easy, mask)
    }

    /// Records the end of the transfer and wakes every waiter (loop thread).
    func loopCompleted(code: CURLcode, message: String?) {
        var status = 0
        if let easy {
            var s: Int = 0
            as_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &s)
            status = s
        }
        let error: HTTPClientError?
        if code == CURLE_OK {
            error = nil
        } else {
            let text = message ?? String(cString: curl_easy_strerror(code))
            switch code {
            case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
                error = HTTPClientError(.connect, text)
            case CURLE_OPERATION_TIMEDOUT:
                error = HTTPClientError(.timeout, text)
            case CURLE_ABORTED_BY_CALLBACK where state.withLock({ $0.cancelled }):
                error = HTTPClientError(.cancelled, "cancelled")
            default:
                error = HTTPClientError(.transport, text)
            }
        }
        let wake = state.withLock { s -> (heads: [CheckedContinuation<HTTPResponseHead, any Error>], head: Result<HTTPResponseHead, HTTPClientError>?, reader: CheckedContinuation<HTTPBodyEvent, any Error>?, readerResult: Result<HTTPBodyEvent, HTTPClientError>, writers: [CheckedContinuation<Void, any Error>], done: [CheckedContinuation<Int, any Error>], doneResult: Result<Int, HTTPClientError>) in
            if s.head == nil {
                if let error {
                    s.head = .failure(error)
                } else {
                    s.head = .success(HTTPResponseHead(status: status, headers: HTTPHeaders(s.headerFields)))
                }
            }
            let end: Result<Void, HTTPClientError> = error.map { .failure($0) } ?? .success(())
            if s.bodyEnd == nil { s.bodyEnd = end }
            let doneResult: Result<Int, HTTPClientError> = error.map { .failure($0) } ?? .success(status)
            s.done = doneResult
            let heads = s.headWaiters
            s.headWaiters = []
            var reader: CheckedContinuation<HTTPBodyEvent, any Error>?
            if let r = s.reader, s.receivedHead >= s.received.count {
                reader = r
                s.reader = nil
                s.readerDeadline = 0
            }
            let writers = s.writers
            s.writers = []
            let done = s.doneWaiters
            s.doneWaiters = []
            return (heads, s.head, reader, (s.bodyEnd ?? end).map { .end }, writers, done, doneResult)
        }
        if let head = wake.head {
            for c in wake.heads { c.resume(with: head.mapError { $0 as any Error }) }
        }
        wake.reader?.resume(with: wake.readerResult.mapError { $0 as any Error })
        for c in wake.writers {
            if let error { c.resume(throwing: error) } else { c.resume() }
        }
        for c in wake.done { c.resume(with: wake.doneResult.mapError { $0 as any Error }) }
        if let easy { curl_easy_cleanup(easy) }
        easy = nil
        if let headerList { curl_slist_free_all(headerList) }
        headerList = nil
    }

    fileprivate func onHeader(_ line: UnsafeBufferPointer<UInt8>) {
        var text = String(decoding: line, as: UTF8.self)
        while text.hasSuffix("\r\n") || text.hasSuffix("\n") { text.removeLast() }
        if text.hasPrefix("HTTP/") {
            let parts = text.split(separator: " ", maxSplits: 2)
            let status = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
            state.withLock {
                $0.status = status
                $0.headerFields = []
            }
            return
        }
        if text.isEmpty {
            // End of a header block; 1xx blocks are followed by the real one.
            let waiters = state.withLock { s -> (head: HTTPResponseHead, waiters: [CheckedContinuation<HTTPResponseHead, any Error>])? in
                guard s.status >= 200, s.head == nil else { return nil }
                let head = HTTPResponseHead(status: s.status, headers: HTTPHeaders(s.headerFields))
                s.head = .success(head)
                let w = s.headWaiters
                s.headWaiters = []
                return (head, w)
            }
            if let waiters { for c in waiters.waiters { c.resume(returning: waiters.head) } }
            return
        }
        guard let colon = text.firstIndex(of: ":") else { return }
        let name = String(text[..<colon])
        let value = String(text[text.index(after: colon)...]).trimmingSpaces()
        state.withLock { $0.headerFields.append((name, value)) }
    }

    fileprivate func onData(_ data: UnsafeBufferPointer<UInt8>) -> Int {
        enum Outcome { case handed(CheckedContinuation<HTTPBodyEvent, any Error>), queued, pause }
        let outcome: Outcome = state.withLock { s in
            if let r = s.reader {
                s.reader = nil
                s.readerDeadline = 0
                return .handed(r)
            }
            if s.receivedBytes >= Self.highWater {
                // libcurl keeps these bytes and hands them to us again once the reader unpauses.
                s.recvPaused = true
                return .pause
            }
            s.received.append(Array(data))
            s.receivedBytes += data.count
            return .queued
        }
        switch outcome {
        case .handed(let c):
            c.resume(returning: .data(Array(data)))
            return data.count
        case .queued: return data.count
        case .pause: return AS_CURL_WRITEFUNC_PAUSE
        }
    }

    fileprivate func onRead(_ buffer: UnsafeMutableBufferPointer<UInt8>) -> Int {
        enum Outcome { case copied(Int, wake: [CheckedContinuation<Void, any Error>]), pause, eof }
        let outcome: Outcome = state.withLock { s in
            if s.currentOffset >= s.current.count {
                if s.outgoingHead < s.outgoing.count {
                    s.current = s.outgoing[s.outgoingHead]
                    s.outgoing[s.outgoingHead] = []
                    s.outgoingHead += 1
                    if s.outgoingHead == s.outgoing.count {
                        s.outgoing.removeAll(keepingCapacity: true)
                        s.outgoingHead = 0
                    }
                    s.currentOffset = 0
                } else if s.uploadFinished {
                    return .eof
                } else {
                    s.sendPaused = true
                    return .pause
                }
            }
            let n = min(buffer.count, s.current.count - s.currentOffset)
            s.current.withUnsafeBufferPointer { src in
                guard let base = src.baseAddress, let dst = buffer.baseAddress else { return }
                dst.update(from: base + s.currentOffset, count: n)
            }
            s.currentOffset += n
            s.queuedBytes -= n
            var wake: [CheckedContinuation<Void, any Error>] = []
            if s.queuedBytes <= Self.highWater / 2, !s.writers.isEmpty {
                wake = s.writers
                s.writers = []
            }
            return .copied(n, wake: wake)
        }
        switch outcome {
        case .copied(let n, let wake):
            for c in wake { c.resume() }
            return n
        case .pause: return AS_CURL_READFUNC_PAUSE
        case .eof: return 0
        }
    }

    fileprivate func onTrailers(_ list: UnsafeMutablePointer<UnsafeMutablePointer<curl_slist>?>) -> Int32 {
        let trailers = state.withLock { $0.trailers }
        var slist: UnsafeMutablePointer<curl_slist>? = nil
        for (name, value) in trailers {
            slist = curl_slist_append(slist, "\(name): \(value)")
        }
        list.pointee = slist
        return AS_CURL_TRAILERFUNC_OK
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs (HTTP's optional whitespace).
    public func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}

private func transfer(_ p: UnsafeMutableRawPointer?) -> HTTPTransfer? {
    guard let p else { return nil }
    return Unmanaged<HTTPTransfer>.fromOpaque(p).takeUnretainedValue()
}

private let headerCallback: as_curl_data_cb = { ptr, size, count, userdata in
    let n = size * count
    guard let t = transfer(userdata), let ptr else { return n }
    ptr.withMemoryRebound(to: UInt8.self, capacity: n) { t.onHeader(UnsafeBufferPointer(start: $0, count: n)) }
    return n
}

private let writeCallback: as_curl_data_cb = { ptr, size, count, userdata in
    let n = size * count
    guard let t = transfer(userdata), let ptr else { return n }
    return ptr.withMemoryRebound(to: UInt8.self, capacity: n) { t.onData(UnsafeBufferPointer(start: $0, count: n)) }
}

private let readCallback: as_curl_data_cb = { ptr, size, count, userdata in
    let n = size * count
    guard let t = transfer(userdata), let ptr else { return AS_CURL_READFUNC_ABORT }
    return ptr.withMemoryRebound(to: UInt8.self, capacity: n) { t.onRead(UnsafeMutableBufferPointer(start: $0, count: n)) }
}

private let trailerCallback: as_curl_trailer_cb = { list, userdata in
    guard let t = transfer(userdata), let list else { return AS_CURL_TRAILERFUNC_OK }
    return t.onTrailers(list)
}
