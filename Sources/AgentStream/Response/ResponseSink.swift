import LambdaHTTP
import LambdaRuntime
import TinyJSON

/// The one owner of an invocation's response as the gateway sees it.
///
/// Every byte the gateway sends goes through it: a whole JSON answer, a head alone, or a frame stream it
/// opens (`openSSE`/`openText`), writing the head and `metadata` first. It counts frames and bytes for the log,
/// stops a stream before it outgrows Lambda's limit (keeping room for the closing frame), and at the end of
/// the invocation (`finish`) closes a stream that was left open with an `error` frame, so every stream ends
/// with exactly one `complete` or `error` whatever path the code took.
final class ResponseSink {
    enum State {
        case fresh
        case answered
        case streaming(StreamFormat)
        case closed
    }

    /// Room kept for the closing frame when the size limit is near.
    static let closingReserve = 1024

    private let writer: any LambdaResponseWriter
    private let buffered: BufferedHTTPResponseWriter?
    let log: InvocationLog
    let maxBytes: Int
    private(set) var state = State.fresh
    private var sent = 0
    private var streamDropped = false

    /// A sink on `writer`; in buffered mode answers are collected into one result object.
    init(writer: any LambdaResponseWriter, mode: ResponseMode, maxBytes: Int, log: InvocationLog) {
        switch mode {
        case .stream:
            self.writer = writer
            buffered = nil
            self.maxBytes = maxBytes
        case .buffered:
            let collector = BufferedHTTPResponseWriter(inner: writer, maxBodyBytes: min(maxBytes, RelaySettings.bufferedResponseCap))
            self.writer = collector
            buffered = collector
            self.maxBytes = collector.maxBodyBytes
        }
        self.log = log
    }

    /// True in buffered mode, where nobody sees a frame before the end (so heartbeats are pointless).
    var isBuffered: Bool { buffered != nil }

    /// True until anything was written.
    var isFresh: Bool {
        if case .fresh = state { return true }
        return false
    }

    // MARK: whole answers

    /// A complete JSON answer; only before anything else was sent.
    func respond(status: Int, json: JSONValue, headers: [(String, String)] = []) async throws {
        try claim(status: status)
        try writer.writeHead(status: status, headers: [("content-type", "application/json")] + headers)
        try await send(json.serialized())
    }

    /// A head with no body (an OPTIONS answered 204).
    func respondHead(status: Int, headers: [(String, String)] = []) throws {
        try claim(status: status)
        try writer.writeHead(status: status, headers: headers)
    }

    /// An HTTP failure: a plain JSON answer when nothing was sent, else the stream's `error` frame.
    func fail(_ failure: HTTPFailure) async throws {
        // An upstream failure keeps its code (UpstreamUnreachable, ThrottlingException…): it names the metric.
        log.outcome = failure.body["code"]?.stringValue ?? "http_\(failure.status)"
        if isFresh {
            try await respond(status: failure.status, json: failure.body, headers: failure.headers)
            return
        }
        let code = failure.body["code"]?.stringValue ?? failure.body["error"]?.stringValue ?? "HTTP\(failure.status)"
        try await closeStream(code: code, message: failure.body["message"]?.stringValue ?? "request failed", retryable: false)
    }

    private func claim(status: Int) throws {
        guard isFresh else { throw ResponseWriterError("a response was already started") }
        state = .answered
        log.status = status
        if status >= 400, log.outcome == "complete" { log.outcome = "http_\(status)" }
    }

    // MARK: streams

    /// Opens an SSE stream: the SSE head, then `metadata`.
    func openSSE(requestID: String, sessionID: String, agent: String) async throws -> FrameStream {
        guard isFresh else { throw ResponseWriterError("a response was already started") }
        try writer.writeHead(status: 200, headers: SSE.headers)
        state = .streaming(.sse)
        log.status = 200
        log.format = "sse"
        try await write(SSE.metadata(requestID: requestID, sessionID: sessionID, agent: agent), kind: .metadata)
        return FrameStream(sink: self, format: .sse)
    }

    /// Opens a plain-text stream of the agent's text (`text/plain`), for clients that read text as it arrives.
    func openText() throws -> FrameStream {
        guard isFresh else { throw ResponseWriterError("a response was already started") }
        try writer.writeHead(
            status: 200, headers: [("content-type", "text/plain; charset=utf-8"), ("cache-control", "no-cache"), ("x-accel-buffering", "no")])
        state = .streaming(.text)
        log.status = 200
        log.format = "text"
        return FrameStream(sink: self, format: .text)
    }

    enum FrameKind { case metadata, status, heartbeat, chunk, closing }

    /// Sends one frame (or text piece) of the open stream. Refuses (with `ResponseTooLarge`) a frame that would
    /// leave no room for the closing frame under the size limit.
    func write(_ bytes: [UInt8], kind: FrameKind) async throws {
        try await write([bytes], kind: kind)
    }

    /// Sends one frame given in pieces (a large chunk's value is not copied into a frame first).
    func write(_ pieces: [[UInt8]], kind: FrameKind) async throws {
        let size = pieces.reduce(0) { $0 + $1.count }
        if kind != .closing, sent + size > maxBytes - Self.closingReserve {
            // Progress frames near the limit are simply left out; only a chunk ends the stream.
            guard kind == .chunk || kind == .metadata else { return }
            throw StreamLimitError.responseTooLarge(limit: maxBytes)
        }
        for piece in pieces where !piece.isEmpty { try await send(piece) }
        log.frames += 1
        if kind == .chunk, log.firstChunkMs == nil { log.firstChunkMs = log.elapsedMs }
    }

    private func send(_ bytes: [UInt8]) async throws {
        try await writer.write(bytes)
        sent += bytes.count
        log.bytes = sent
        if log.firstByteMs == nil { log.firstByteMs = log.elapsedMs }
    }

    /// Writes the closing frame and marks the stream closed (called by `FrameStream` only).
    func closeStream(code: String?, message: String, retryable: Bool) async throws {
        guard case .streaming(let format) = state else { return }
        state = .closed
        if let code {
            log.outcome = code
            log.errorFrame = true
            if format == .sse { try await write(SSE.error(code: code, message: message, retryable: retryable), kind: .closing) }
        } else {
            log.outcome = "complete"
            if format == .sse { try await write(SSE.complete(executionTimeMs: log.elapsedMs), kind: .closing) }
        }
    }

    /// A `FrameStream` went away without `complete` or `fail` (a path that threw past it).
    func noteStreamDropped() {
        if case .streaming = state { streamDropped = true }
    }

    /// Ends the invocation's response: a stream still open gets its `error` frame; a buffered answer is sent.
    func finish() async throws {
        if case .streaming = state {
            let message = streamDropped ? "the stream ended unexpectedly" : "the stream was not closed"
            try await closeStream(code: "InternalError", message: message, retryable: true)
        }
        if let buffered { try await buffered.flush() }
    }
}

/// How a stream is framed for the client.
enum StreamFormat: Sendable, Equatable {
    /// SSE frames `metadata → status/chunk* → complete | error`.
    case sse
    /// Only the agent's text, as it arrives (`text/plain; charset=utf-8`).
    case text
}

/// A frame the size limit does not allow.
enum StreamLimitError: Error {
    case responseTooLarge(limit: Int)
}
