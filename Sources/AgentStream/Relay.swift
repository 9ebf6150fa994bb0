import Primitives
import CurlHTTP
import LambdaRuntime
import TinyJSON

/// How the agent's output is framed for the client.
public enum RelayFormat: Sendable {
    /// SSE frames `metadata → chunk* → complete | error`.
    case sse
    /// Only the agent's text, as it arrives (`text/plain; charset=utf-8`).
    case text
}

/// What happened on one relayed stream, for the invocation log line.
public struct RelayStats: Sendable {
    /// Ms from invocation start to the first byte sent to the client.
    public var firstByteMs: Int?
    /// Ms from invocation start to the first agent chunk sent.
    public var firstChunkMs: Int?
    /// Frames written (metadata, chunks, heartbeats, end frame).
    public var frames = 0
    /// Body bytes written.
    public var bytes = 0
    /// `complete`, or the error code of the last frame.
    public var outcome = "complete"
    /// HTTP status sent.
    public var status = 200
}

/// A stream that ended with an `error` frame. Thrown after the frame is written so the runtime also
/// sends Lambda's error trailers (for SDK callers and logs; browsers only see the frame).
public struct StreamFailure: LambdaFunctionError {
    /// Error code of the frame.
    public let code: String
    /// Message of the frame.
    public let message: String
    public var errorType: String { code }
    public var errorMessage: String { message }
}

/// Pumps one agent call to the client: opens the upstream, then relays events with heartbeats,
/// an idle cutoff and a deadline, ending with exactly one `complete` or `error` frame.
struct Relay {
    let heartbeatMs: Int
    let idleTimeoutMs: Int
    let deadlineMarginMs: Int

    /// Runs the call. Failures before streaming throw `HTTPFailure`; after, they end the stream with an
    /// `error` frame and throw `StreamFailure`.
    func run(
        call: AgentCall, upstream: any AgentUpstream, format: RelayFormat, context: LambdaContext,
        writer: any LambdaResponseWriter, startNs: UInt64, stats: inout RelayStats
    ) async throws {
        let deadline = context.deadlineMs - Int64(deadlineMarginMs)
        let openWait = Int(min(Int64(idleTimeoutMs), max(0, deadline - WallClock.epochMs())))
        let stream: any UpstreamStream
        do {
            stream = try await Self.withTimeout(ms: openWait) { () async throws(UpstreamError) -> any UpstreamStream in
                try await upstream.open(call)
            }
        } catch let error as UpstreamError {
            stats.status = error.httpStatus
            stats.outcome = error.code
            throw HTTPFailure.upstream(error)
        }

        func send(_ bytes: [UInt8]) async throws {
            do {
                try await writer.write(bytes)
            } catch {
                // The Runtime API connection is gone: nobody can read the rest, so stop the agent call now.
                stream.cancel()
                throw error
            }
            stats.frames += 1
            stats.bytes += bytes.count
            if stats.firstByteMs == nil { stats.firstByteMs = Self.elapsedMs(since: startNs) }
        }

        // Ends the stream with the one `error` frame, then throws so the runtime adds error trailers.
        func fail(_ code: String, _ message: String, retryable: Bool) async throws -> Never {
            stats.outcome = code
            if format == .sse { try await send(SSE.error(code: code, message: message, retryable: retryable)) }
            throw StreamFailure(code: code, message: message)
        }

        switch format {
        case .sse:
            try writer.writeHead(status: 200, headers: SSE.headers)
            try await send(SSE.metadata(requestID: context.requestID, sessionID: call.sessionID, agent: call.agentName))
        case .text:
            try writer.writeHead(status: 200, headers: [("content-type", "text/plain; charset=utf-8"), ("cache-control", "no-cache"), ("x-accel-buffering", "no")])
        }

        var lastActivity = WallClock.epochMs()
        var lastWrite = lastActivity
        while true {
            let now = WallClock.epochMs()
            let toDeadline = deadline - now
            let toIdle = Int64(idleTimeoutMs) - (now - lastActivity)
            let toHeartbeat = Int64(heartbeatMs) - (now - lastWrite)
            if toDeadline <= 0 {
                stream.cancel()
                let message = "the function is about to reach its time limit; the stream was ended \(deadlineMarginMs) ms before it"
                try await fail("Deadline", message, retryable: false)
            }
            if toIdle <= 0 {
                stream.cancel()
                let message = "the agent sent nothing for \(idleTimeoutMs) ms"
                try await fail("UpstreamIdleTimeout", message, retryable: true)
            }
            let wait = Int(max(1, min(toDeadline, toIdle, format == .sse ? toHeartbeat : Int64.max)))
            let event: UpstreamEvent
            do {
                event = try await stream.next(timeoutMs: wait)
            } catch {
                try await fail(error.code, error.message, retryable: error.retryable)
            }
            switch event {
            case .timeout:
                if format == .sse, WallClock.epochMs() - lastWrite >= Int64(heartbeatMs) {
                    try await send(SSE.heartbeat)
                    lastWrite = WallClock.epochMs()
                }
            case .json(let bytes):
                lastActivity = WallClock.epochMs()
                switch format {
                case .sse: try await send(SSE.chunk(rawJSON: bytes))
                case .text:
                    guard let text = Self.text(ofJSON: bytes), !text.isEmpty else { continue }
                    try await send(Array(text.utf8))
                }
                if stats.firstChunkMs == nil { stats.firstChunkMs = Self.elapsedMs(since: startNs) }
                lastWrite = lastActivity
            case .text(let text):
                lastActivity = WallClock.epochMs()
                guard !text.isEmpty else { continue }
                switch format {
                case .sse: try await send(SSE.chunk(text: text))
                case .text: try await send(Array(text.utf8))
                }
                if stats.firstChunkMs == nil { stats.firstChunkMs = Self.elapsedMs(since: startNs) }
                lastWrite = lastActivity
            case .failure(let code, let message, let retryable):
                stream.cancel()
                try await fail(code, message, retryable: retryable)
            case .end:
                if format == .sse {
                    try await send(SSE.complete(executionTimeMs: Self.elapsedMs(since: startNs)))
                }
                stats.outcome = "complete"
                return
            }
        }
    }

    /// Races `body` against a timer; the loser is cancelled.
    static func withTimeout<T: Sendable>(
        ms: Int, _ body: @escaping @Sendable () async throws(UpstreamError) -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                // Not Task.sleep: its timer would outlive the race by up to the idle timeout (minutes), holding
                // memory for every invocation in between (RSS grew 0.75 KB per invocation).
                try await CurlClient.sleep(until: MonotonicClock.now.advanced(byMilliseconds: Int64(max(ms, 1))))
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else {
                throw UpstreamError(
                    httpStatus: 504, code: "UpstreamTimeout", message: "the agent did not answer within \(ms) ms", retryable: true)
            }
            return value
        }
    }

    static func elapsedMs(since startNs: UInt64) -> Int {
        Int((MonotonicClock.now.nanoseconds - startNs) / 1_000_000)
    }

    /// The text carried by one agent event: a JSON string as is, or the text field of common
    /// event shapes (Strands `event.contentBlockDelta.delta.text`, `text`, `delta`, `content`).
    static func text(ofJSON bytes: [UInt8]) -> String? {
        guard let value = try? JSONValue.parse(bytes) else { return nil }
        if let s = value.stringValue { return s }
        let candidates: [JSONValue?] = [
            value["event"]?["contentBlockDelta"]?["delta"]?["text"], value["text"], value["delta"], value["content"],
            value["data"],
        ]
        for c in candidates {
            if let s = c?.stringValue { return s }
        }
        return nil
    }
}
