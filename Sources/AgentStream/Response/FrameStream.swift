import LambdaRuntime
import TinyJSON

/// An open stream of frames. It exists only after the head and `metadata` went out (`ResponseSink.openSSE`), and
/// `complete` and `fail` consume it: writing after the closing frame, or closing twice, does not compile.
///
/// Should a path drop it without closing (an error thrown past it), its `deinit` tells the sink, which ends
/// the stream with an `error` frame when the invocation finishes.
struct FrameStream: ~Copyable {
    private let sink: ResponseSink
    let format: StreamFormat

    init(sink: ResponseSink, format: StreamFormat) {
        self.sink = sink
        self.format = format
    }

    /// A `status` frame (SSE only; text streams carry only the agent's text).
    mutating func status(_ phase: StatusPhase, statusFrames: Bool) async throws {
        guard format == .sse, statusFrames else { return }
        try await sink.write(SSE.status(phase, elapsedMs: sink.log.elapsedMs), kind: .status)
    }

    /// Keeps an idle connection alive: a `waiting` status frame, or a comment when status frames are off.
    mutating func heartbeat(statusFrames: Bool) async throws {
        guard format == .sse, !sink.isBuffered else { return }
        if statusFrames {
            try await sink.write(SSE.status(.waiting, elapsedMs: sink.log.elapsedMs), kind: .heartbeat)
        } else {
            try await sink.write(SSE.heartbeat, kind: .heartbeat)
        }
    }

    /// One chunk whose data is `rawJSON` (compact single-line JSON). Text streams send the text it carries.
    mutating func chunk(rawJSON: [UInt8]) async throws {
        switch format {
        case .sse:
            if rawJSON.count > 64 * 1024 {
                try await sink.write([SSE.chunkPrefix, rawJSON, SSE.chunkSuffix], kind: .chunk)
            } else {
                try await sink.write(SSE.chunk(rawJSON: rawJSON), kind: .chunk)
            }
        case .text:
            guard let text = AgentText.text(ofJSON: rawJSON), !text.isEmpty else { return }
            try await sink.write(Array(text.utf8), kind: .chunk)
        }
    }

    /// One chunk of plain text.
    mutating func chunk(text: String) async throws {
        guard !text.isEmpty else { return }
        switch format {
        case .sse: try await sink.write(SSE.chunk(text: text), kind: .chunk)
        case .text: try await sink.write(Array(text.utf8), kind: .chunk)
        }
    }

    /// Ends the stream with `complete`.
    consuming func complete() async throws {
        try await sink.closeStream(code: nil, message: "", retryable: false)
    }

    /// Ends the stream with one `error` frame; returns the failure to throw so the runtime adds Lambda's error
    /// trailers too (for SDK callers and logs; browsers see the frame).
    consuming func fail(code: String, message: String, retryable: Bool) async throws -> StreamFailure {
        try await sink.closeStream(code: code, message: message, retryable: retryable)
        return StreamFailure(code: code, message: message)
    }

    deinit {
        sink.noteStreamDropped()
    }
}

/// A stream that ended with an `error` frame, thrown after the frame so the runtime also sends Lambda's error
/// trailers.
public struct StreamFailure: LambdaFunctionError {
    /// Error code of the frame.
    public let code: String
    /// Message of the frame.
    public let message: String
    public var errorType: String { code }
    public var errorMessage: String { message }
}
