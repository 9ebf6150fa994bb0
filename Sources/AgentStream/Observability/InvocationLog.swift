import Primitives
import TinyJSON

/// The one log line each invocation leaves: who asked what route, how the answer went, how fast. Filled in
/// by the gateway (route, caller, agent) and the response sink (status, frames, bytes, timings, outcome), and
/// written once at the end. Never holds a prompt, agent output, token or key.
final class InvocationLog {
    let requestID: String
    let started: MonotonicClock.Instant
    var method = ""
    var path = ""
    /// The matched route (`/`, `/invoke`, `/api/streaming/stream`, …) or `other`; a metric dimension.
    var route = "other"
    var agent: String?
    var sessionID: String?
    var userID: String?
    var format: String?
    var status = 200
    /// `complete`, an error code, or `http_<status>` for a plain HTTP answer.
    var outcome = "complete"
    var errorFrame = false
    var frames = 0
    var bytes = 0
    var firstByteMs: Int?
    var firstChunkMs: Int?
    /// Extra, route-specific fields (auth failure reason, health verdict, early-stop result).
    var extra: [String: JSONValue] = [:]

    init(requestID: String, started: MonotonicClock.Instant = MonotonicClock.now) {
        self.requestID = requestID
        self.started = started
    }

    /// Milliseconds since the invocation started.
    var elapsedMs: Int { Int(started.milliseconds(to: MonotonicClock.now)) }

    /// The line's fields.
    func fields(durationMs: Int) -> [String: JSONValue] {
        var f = extra
        f["request_id"] = .string(requestID)
        f["method"] = .string(method)
        f["path"] = .string(path)
        f["route"] = .string(route)
        if let agent { f["agent"] = .string(agent) }
        if let sessionID { f["session_id"] = .string(sessionID) }
        if let userID { f["user_id"] = .string(userID) }
        if let format { f["format"] = .string(format) }
        f["status"] = .number(Double(status))
        f["outcome"] = .string(outcome)
        f["frames"] = .number(Double(frames))
        f["bytes"] = .number(Double(bytes))
        f["duration_ms"] = .number(Double(durationMs))
        if let v = firstByteMs { f["first_byte_ms"] = .number(Double(v)) }
        if let v = firstChunkMs { f["first_chunk_ms"] = .number(Double(v)) }
        return f
    }

    /// Writes the line through `logger` (at info).
    func write(to logger: JSONLogger) {
        logger.log(.info, "invocation", fields(durationMs: elapsedMs))
    }
}
