import CCurl
import Primitives
import Synchronization

// The loop-thread half of a transfer: creating the easy handle, libcurl's callbacks, deadlines and completion.
// Every function here runs on the curl loop thread.

extension CurlTransfer {
    /// Creates the easy handle and adds it to the multi handle.
    func loopStart(_ request: CurlRequest) {
        loop.assertOnLoopThread()
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
        if let ca = CurlClient.caBundle { as_setopt_str(h, CURLOPT_CAINFO, ca) }
        if let ms = request.connectTimeoutMs { as_setopt_long(h, CURLOPT_CONNECTTIMEOUT_MS, ms) }
        as_setopt_long(h, CURLOPT_TIMEOUT_MS, request.timeoutMs ?? 0)

        as_setopt_datacb(h, CURLOPT_HEADERFUNCTION, curlHeaderCallback)
        as_setopt_ptr(h, CURLOPT_HEADERDATA, me)
        as_setopt_datacb(h, CURLOPT_WRITEFUNCTION, curlWriteCallback)
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
                _ = as_setopt_ptr(
                    h, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: buf.baseAddress ?? UnsafePointer(bitPattern: 1)))
            }
        case .stream:
            as_setopt_long(h, CURLOPT_POST, 1)
            as_setopt_off(h, CURLOPT_POSTFIELDSIZE_LARGE, -1)
            as_setopt_datacb(h, CURLOPT_READFUNCTION, curlReadCallback)
            as_setopt_ptr(h, CURLOPT_READDATA, me)
            as_setopt_trailercb(h, curlTrailerCallback)
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

    /// Applies the current pause wishes to the easy handle.
    func loopApplyPauseState() {
        loop.assertOnLoopThread()
        guard let easy else { return }
        let (recv, send) = state.withLock { ($0.recvPaused, $0.sendPaused) }
        var mask: Int32 = 0
        if recv { mask |= AS_CURLPAUSE_RECV }
        if send { mask |= AS_CURLPAUSE_SEND }
        curl_easy_pause(easy, mask)
    }

    /// The nearest of the reader's and the head's deadlines (`.max` for none): two atomic loads, no lock, so the
    /// loop can scan hundreds of transfers each iteration.
    var nextDeadline: UInt64 {
        let reader = readerDeadlineNs.load(ordering: .relaxed)
        let head = headDeadlineNs.load(ordering: .relaxed)
        return min(reader == 0 ? .max : reader, head == 0 ? .max : head)
    }

    /// Times out a parked reader or a missing head whose deadline has passed; returns the next pending
    /// deadline (or `.max`).
    func loopCheckDeadlines(now: UInt64) -> UInt64 {
        var soonest = UInt64.max
        let reader = readerDeadlineNs.load(ordering: .relaxed)
        if reader != 0 {
            if reader <= now { expireReader(now: now) } else { soonest = reader }
        }
        let head = headDeadlineNs.load(ordering: .relaxed)
        if head != 0 {
            if head <= now {
                headDeadlineNs.store(0, ordering: .relaxed)
                if let easy {
                    loop.remove(easy: easy)
                    loopCompleted(code: CURLE_OPERATION_TIMEDOUT, message: "no response head before the deadline")
                }
            } else {
                soonest = min(soonest, head)
            }
        }
        return soonest
    }

    private func expireReader(now: UInt64) {
        let expired = state.withLock { s -> CheckedContinuation<HTTPBodyEvent, any Error>? in
            guard let r = s.reader, s.readerDeadlineNs != 0, s.readerDeadlineNs <= now else { return nil }
            s.reader = nil
            s.readerDeadlineNs = 0
            readerDeadlineNs.store(0, ordering: .relaxed)
            return r
        }
        expired?.resume(returning: .timeout)
    }

    /// Records the end of the transfer and wakes every waiter.
    func loopCompleted(code: CURLcode, message: String?) {
        loop.assertOnLoopThread()
        headDeadlineNs.store(0, ordering: .relaxed)
        var status = 0
        if let easy {
            var s: Int = 0
            as_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &s)
            status = s
        }
        let error: CurlError?
        if code == CURLE_OK {
            error = nil
        } else if headerOverflow {
            error = CurlError(.transport, "response head larger than \(headParser.maxBytes) bytes")
        } else {
            let text = message ?? String(cString: curl_easy_strerror(code))
            switch code {
            case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
                error = CurlError(.connect, text)
            case CURLE_OPERATION_TIMEDOUT:
                error = CurlError(.timeout, text)
            case CURLE_ABORTED_BY_CALLBACK where state.withLock({ $0.cancelled }):
                error = CurlError(.cancelled, "cancelled")
            default:
                error = CurlError(.transport, text)
            }
        }
        let partialHead = headParser.partial
        let wake = state.withLock { s in
            if s.head == nil {
                s.head = error.map { .failure($0) } ?? .success(CurlResponseHead(status: status, headers: partialHead.headers))
            }
            let end: Result<Void, CurlError> = error.map { .failure($0) } ?? .success(())
            if s.bodyEnd == nil { s.bodyEnd = end }
            let doneResult: Result<Int, CurlError> = error.map { .failure($0) } ?? .success(status)
            s.done = doneResult
            let heads = s.headWaiters
            s.headWaiters = []
            var reader: CheckedContinuation<HTTPBodyEvent, any Error>?
            if let r = s.reader, s.received.isEmpty {
                reader = r
                s.reader = nil
                s.readerDeadlineNs = 0
                readerDeadlineNs.store(0, ordering: .relaxed)
            }
            let writers = s.writers
            s.writers = []
            let done = s.doneWaiters
            s.doneWaiters = []
            return Wake(
                heads: heads, head: s.head, reader: reader, readerResult: (s.bodyEnd ?? end).map { .end }, writers: writers,
                done: done, doneResult: doneResult)
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

    /// Everyone `loopCompleted` resumes, collected under the lock and resumed after it.
    private struct Wake {
        let heads: [CheckedContinuation<CurlResponseHead, any Error>]
        let head: Result<CurlResponseHead, CurlError>?
        let reader: CheckedContinuation<HTTPBodyEvent, any Error>?
        let readerResult: Result<HTTPBodyEvent, CurlError>
        let writers: [CheckedContinuation<Void, any Error>]
        let done: [CheckedContinuation<Int, any Error>]
        let doneResult: Result<Int, CurlError>
    }

    // MARK: - libcurl callbacks

    /// One header line; returns false to abort the transfer (the head is over its size limit).
    func onHeader(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        switch headParser.feed(line) {
        case .pending:
            return true
        case .tooLarge:
            headerOverflow = true
            return false
        case .complete(let head):
            headDeadlineNs.store(0, ordering: .relaxed)
            let waiters = state.withLock { s -> [CheckedContinuation<CurlResponseHead, any Error>] in
                guard s.head == nil else { return [] }
                s.head = .success(head)
                let w = s.headWaiters
                s.headWaiters = []
                return w
            }
            for c in waiters { c.resume(returning: head) }
            return true
        }
    }

    func onData(_ data: UnsafeBufferPointer<UInt8>) -> Int {
        enum Outcome { case handed(CheckedContinuation<HTTPBodyEvent, any Error>), queued, pause }
        let outcome: Outcome = state.withLock { s in
            if let r = s.reader {
                s.reader = nil
                s.readerDeadlineNs = 0
                readerDeadlineNs.store(0, ordering: .relaxed)
                return .handed(r)
            }
            if s.received.byteCount >= Self.highWater {
                // libcurl keeps these bytes and hands them to us again once the reader unpauses.
                s.recvPaused = true
                return .pause
            }
            s.received.append(Array(data))
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

    func onRead(_ buffer: UnsafeMutableBufferPointer<UInt8>) -> Int {
        enum Outcome { case copied(Int, wake: [CheckedContinuation<Void, any Error>]), pause, eof }
        let outcome: Outcome = state.withLock { s in
            if s.outgoing.isEmpty {
                if s.uploadFinished { return .eof }
                s.sendPaused = true
                return .pause
            }
            let n = s.outgoing.copyFromHead(into: buffer)
            var wake: [CheckedContinuation<Void, any Error>] = []
            if s.outgoing.byteCount <= Self.highWater / 2, !s.writers.isEmpty {
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

    func onTrailers(_ list: UnsafeMutablePointer<UnsafeMutablePointer<curl_slist>?>) -> Int32 {
        let trailers = state.withLock { $0.trailers }
        var slist: UnsafeMutablePointer<curl_slist>? = nil
        for (name, value) in trailers {
            slist = curl_slist_append(slist, "\(name): \(value)")
        }
        list.pointee = slist
        return AS_CURL_TRAILERFUNC_OK
    }
}

// C entry points: libcurl calls these with the transfer as an unretained pointer (the loop keeps it alive).

private func transfer(_ p: UnsafeMutableRawPointer?) -> CurlTransfer? {
    guard let p else { return nil }
    return Unmanaged<CurlTransfer>.fromOpaque(p).takeUnretainedValue()
}

private let curlHeaderCallback: as_curl_data_cb = { ptr, size, count, userdata in
    let n = size * count
    guard let t = transfer(userdata), let ptr else { return n }
    let keep = ptr.withMemoryRebound(to: UInt8.self, capacity: n) { t.onHeader(UnsafeBufferPointer(start: $0, count: n)) }
    return keep ? n : 0
}

private let curlWriteCallback: as_curl_data_cb = { ptr, size, count, userdata in
    let n = size * count
    guard let t = transfer(userdata), let ptr else { return n }
    return ptr.withMemoryRebound(to: UInt8.self, capacity: n) { t.onData(UnsafeBufferPointer(start: $0, count: n)) }
}

private let curlReadCallback: as_curl_data_cb = { ptr, size, count, userdata in
    let n = size * count
    guard let t = transfer(userdata), let ptr else { return AS_CURL_READFUNC_ABORT }
    return ptr.withMemoryRebound(to: UInt8.self, capacity: n) { t.onRead(UnsafeMutableBufferPointer(start: $0, count: n)) }
}

private let curlTrailerCallback: as_curl_trailer_cb = { list, userdata in
    guard let t = transfer(userdata), let list else { return AS_CURL_TRAILERFUNC_OK }
    return t.onTrailers(list)
}
