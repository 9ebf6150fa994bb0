import Primitives
import TinyJSON

/// The one log line each invocation leaves: who asked what route, how the answer went, how fast. Filled in
/// by the gateway (route, caller, agent) and the response sink (status, frames, bytes, timings, outcome), and
/// written once at the end. Never holds a prompt, agent output, token or key.
///
/// The same line is a CloudWatch Embedded Metric Format record when a namespace is set: an `_aws` member
/// names the metrics (`FirstByteMs`, `FirstChunkMs`, `DurationMs`, `Frames`, `Bytes`, and a 0/1 count for
/// `Complete`, `Error`, `ClientError` plus one count named by the error code) under dimension sets
/// `{agent, route}` and `{}`, so CloudWatch turns each invocation into data points without a second write.
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

    /// How the invocation ended, for the outcome counts.
    enum Result: Equatable {
        /// A complete stream, or a 1xx-3xx answer.
        case complete
        /// An `error` frame, or a 5xx answer; with the code its count is named after.
        case error(code: String)
        /// A 4xx answer.
        case clientError
    }

    var result: Result {
        if errorFrame || status >= 500 { return .error(code: Self.metricName(outcome)) }
        if status >= 400 { return .clientError }
        return .complete
    }

    /// An error code as a metric name: letters, digits and `_`, starting with a letter.
    static func metricName(_ code: String) -> String {
        var name = String(code.unicodeScalars.map { $0.isASCIIAlnum || $0 == "_" ? Character($0) : "_" })
        if name.first.map({ !$0.isLetter }) ?? true { name = "E" + name }
        return String(name.prefix(255))
    }

    /// The line with its EMF members added (`namespace` nil: a plain log line).
    func record(namespace: String?, timestampMs: Int64 = WallClock.epochMs()) -> [String: JSONValue] {
        let duration = elapsedMs
        var f = fields(durationMs: duration)
        guard let namespace else { return f }
        f["agent"] = .string(agent ?? "none")
        var metrics: [(String, String, Double)] = [("DurationMs", "Milliseconds", Double(duration))]
        if let v = firstByteMs { metrics.append(("FirstByteMs", "Milliseconds", Double(v))) }
        if let v = firstChunkMs { metrics.append(("FirstChunkMs", "Milliseconds", Double(v))) }
        metrics.append(("Frames", "Count", Double(frames)))
        metrics.append(("Bytes", "Bytes", Double(bytes)))
        let r = result
        metrics.append(("Complete", "Count", r == .complete ? 1 : 0))
        metrics.append(("Error", "Count", { if case .error = r { return 1 } else { return 0 } }()))
        metrics.append(("ClientError", "Count", r == .clientError ? 1 : 0))
        if case .error(let code) = r, f[code] == nil { metrics.append((code, "Count", 1)) }
        for (name, _, value) in metrics { f[name] = .number(value) }
        let directive: JSONValue = [
            "Namespace": .string(namespace), "Dimensions": [["agent", "route"], []],
            "Metrics": .array(metrics.map { ["Name": .string($0.0), "Unit": .string($0.1)] }),
        ]
        f["_aws"] = ["Timestamp": .number(Double(timestampMs)), "CloudWatchMetrics": [directive]]
        return f
    }

    /// Writes the line. Always, whatever `LOG_LEVEL` says: it is also the invocation's metric record.
    func write(to logger: JSONLogger, namespace: String?) {
        var doc = record(namespace: namespace)
        doc["level"] = "info"
        doc["msg"] = "invocation"
        doc["ts"] = .number(Double(WallClock.epochMs()))
        JSONLogger.emit(JSONValue.object(doc).serialized())
    }
}
