import TinyJSON

/// Server-Sent Events framing for AgentStream's frames: each frame is exactly one
/// `data: <single-line JSON>\n\n` block (browser clients split on blank lines and require `data: `).
public enum SSE {
    /// Prelude headers for every SSE response; `x-accel-buffering: no` stops proxies from buffering.
    public static let headers: [(String, String)] = [
        ("content-type", "text/event-stream"),
        ("cache-control", "no-cache"),
        ("x-accel-buffering", "no"),
    ]

    /// A comment line clients ignore; keeps idle connections alive through proxies.
    public static let heartbeat: [UInt8] = Array(": keep-alive\n\n".utf8)

    /// Wraps a single-line JSON object as one SSE frame.
    public static func frame(json: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(json.count + 8)
        out.append(contentsOf: "data: ".utf8)
        out.append(contentsOf: json)
        out.append(contentsOf: "\n\n".utf8)
        return out
    }

    /// `{"type":"metadata","request_id","session_id","agent"}`.
    public static func metadata(requestID: String, sessionID: String, agent: String) -> [UInt8] {
        var json: [UInt8] = Array(#"{"type":"metadata","request_id":"#.utf8)
        JSONWriter.appendString(requestID, to: &json)
        json.append(contentsOf: #","session_id":"#.utf8)
        JSONWriter.appendString(sessionID, to: &json)
        json.append(contentsOf: #","agent":"#.utf8)
        JSONWriter.appendString(agent, to: &json)
        json.append(UInt8(ascii: "}"))
        return frame(json: json)
    }

    /// `{"type":"chunk","data":"<text>"}`.
    public static func chunk(text: String) -> [UInt8] {
        var json: [UInt8] = Array(#"{"type":"chunk","data":"#.utf8)
        JSONWriter.appendString(text, to: &json)
        json.append(UInt8(ascii: "}"))
        return frame(json: json)
    }

    /// `{"type":"chunk","data":<raw JSON value>}`; `rawJSON` must be valid single-line JSON.
    public static func chunk(rawJSON: some Collection<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(rawJSON.count + chunkPrefix.count + chunkSuffix.count)
        out.append(contentsOf: chunkPrefix)
        out.append(contentsOf: rawJSON)
        out.append(contentsOf: chunkSuffix)
        return out
    }

    /// `{"type":"complete","execution_time_ms":N}`.
    public static func complete(executionTimeMs: Int) -> [UInt8] {
        var json: [UInt8] = Array(#"{"type":"complete","execution_time_ms":"#.utf8)
        JSONWriter.appendInt(executionTimeMs, to: &json)
        json.append(UInt8(ascii: "}"))
        return frame(json: json)
    }

    /// `{"type":"status","phase":"connecting|waiting|streaming","elapsed_ms":N}`: progress a UI can show
    /// without reading agent output.
    public static func status(_ phase: StatusPhase, elapsedMs: Int) -> [UInt8] {
        var json: [UInt8] = Array(#"{"type":"status","phase":"#.utf8)
        JSONWriter.appendString(phase.rawValue, to: &json)
        json.append(contentsOf: #","elapsed_ms":"#.utf8)
        JSONWriter.appendInt(elapsedMs, to: &json)
        json.append(UInt8(ascii: "}"))
        return frame(json: json)
    }

    /// The two pieces around a chunk's raw JSON value, so a large value is sent without copying it into a frame.
    static let chunkPrefix: [UInt8] = Array(#"data: {"type":"chunk","data":"#.utf8)
    static let chunkSuffix: [UInt8] = Array("}\n\n".utf8)

    /// `{"type":"error","error_code","error_message","retryable"}`.
    public static func error(code: String, message: String, retryable: Bool) -> [UInt8] {
        var json: [UInt8] = Array(#"{"type":"error","error_code":"#.utf8)
        JSONWriter.appendString(code, to: &json)
        json.append(contentsOf: #","error_message":"#.utf8)
        JSONWriter.appendString(message, to: &json)
        json.append(contentsOf: #","retryable":"#.utf8)
        json.append(contentsOf: (retryable ? "true" : "false").utf8)
        json.append(UInt8(ascii: "}"))
        return frame(json: json)
    }
}

/// Where a stream is, for `status` frames.
public enum StatusPhase: String, Sendable {
    /// The agent accepted the call; nothing from it yet.
    case connecting
    /// The agent is silent (sent every heartbeat interval, with the time since the request).
    case waiting
    /// The first chunk follows.
    case streaming
}
