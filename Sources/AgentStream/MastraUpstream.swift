import Primitives
import CurlHTTP
import SigV4
import TinyJSON

/// Calls a Mastra agent server: `POST {MASTRA_AGENT_URL}/api/agents/{id}/stream` (research/upstreams.md §5).
///
/// The request body carries both generations' spellings, since each ignores the other's keys (0.x passes
/// unknown keys to `agent.stream` options, 1.x's body schema is passthrough and reads only its own):
/// 0.x `threadId`/`resourceId`/`runtimeContext`/`temperature`/`topP`/`maxRetries`, and 1.x
/// `memory:{thread,resource}`/`requestContext`/`modelSettings`. The response format is sniffed from the
/// first bytes (`MastraStreamParser`), never taken from the Content-Type, which varies across versions.
public struct MastraUpstream: AgentUpstream {
    /// Server base URL, no trailing slash.
    public let baseURL: String
    /// The agent's id on that server (a key of `GET /api/agents`).
    public let agentID: String
    /// HTTP client.
    public let client: CurlClient

    /// An upstream for one Mastra agent.
    public init(baseURL: String, agentID: String, client: CurlClient = .shared) {
        self.baseURL = baseURL
        self.agentID = agentID
        self.client = client
    }

    /// `{base}/api/agents/{id}/stream`, the id percent-encoded as one path segment.
    public var streamURL: String { baseURL + "/api/agents/" + PercentEncoding.encode(agentID) + "/stream" }

    /// Keys copied from the call's extra fields when present; anything else a client sends is not
    /// forwarded, so a caller cannot override the agent's instructions, tools or model.
    static let modelOptions = ["maxSteps", "maxRetries", "temperature", "topP"]

    /// The JSON body for `call`.
    static func body(for call: AgentCall) -> [UInt8] {
        var b: [String: JSONValue] = [:]
        b["messages"] = call.messages ?? [["role": "user", "content": .string(call.prompt)]]
        let context = JSONValue.object(call.requestContext)
        b["runtimeContext"] = context
        b["requestContext"] = context
        let thread = call.extra["threadId"]?.stringValue
        let resource = call.extra["resourceId"]?.stringValue
        if let thread { b["threadId"] = .string(thread) }
        if let resource { b["resourceId"] = .string(resource) }
        if let thread, let resource { b["memory"] = ["thread": .string(thread), "resource": .string(resource)] }
        if let run = call.extra["runId"]?.stringValue { b["runId"] = .string(run) }
        var settings: [String: JSONValue] = [:]
        for key in modelOptions {
            guard let v = call.extra[key] else { continue }
            b[key] = v
            if key != "maxSteps" { settings[key] = v }
        }
        if !settings.isEmpty { b["modelSettings"] = .object(settings) }
        return JSONValue.object(b).serialized()
    }

    public func open(_ call: AgentCall) async throws(UpstreamError) -> any UpstreamStream {
        var headers: HeaderFields = [
            "Content-Type": "application/json",
            "Accept": "text/event-stream, text/plain;q=0.9, */*;q=0.5",
            "User-Agent": "agentstream/1.0",
        ]
        for (name, value) in call.headers { headers.add(name, value) }
        let request = CurlRequest(method: "POST", url: streamURL, headers: headers, body: .bytes(Self.body(for: call)), connectTimeoutMs: 5000)
        let head: CurlResponseHead
        let transfer: CurlTransfer
        do {
            (head, transfer) = try await client.execute(request)
        } catch {
            throw UpstreamError.transport(error, upstream: "Mastra")
        }
        guard head.status == 200 else {
            let bytes = (try? await transfer.collectBody(limit: 64 * 1024)) ?? []
            throw Self.mapError(status: head.status, body: bytes, agentID: agentID)
        }
        return DecodingUpstreamStream(transfer: transfer, upstreamName: "Mastra", decoder: MastraStreamParser())
    }

    /// Maps a Mastra error answer (`{"error": "..."}` with the handler's status) before streaming.
    static func mapError(status: Int, body: [UInt8], agentID: String) -> UpstreamError {
        let doc = try? JSONValue.parse(body)
        var message = doc?["error"]?.stringValue ?? doc?["error"]?["message"]?.stringValue ?? doc?["message"]?.stringValue ?? ""
        if message.isEmpty { message = String(decoding: body.prefix(300), as: UTF8.self) }
        message = "Mastra: " + String(message.prefix(500))
        switch status {
        case 404:
            return UpstreamError(
                httpStatus: 404, code: "AgentNotFound", message: "\(message) (agent id '\(agentID)')", retryable: false, upstreamStatus: status)
        case 400, 422:
            return UpstreamError(httpStatus: 502, code: "UpstreamRejected", message: message, retryable: false, upstreamStatus: status)
        case 401, 403:
            return UpstreamError(httpStatus: 502, code: "UpstreamAuthFailed", message: message, retryable: false, upstreamStatus: status)
        case 429:
            return UpstreamError(httpStatus: 503, code: "Throttling", message: message, retryable: true, upstreamStatus: status)
        case 503:
            return UpstreamError(httpStatus: 503, code: "UpstreamUnavailable", message: message, retryable: true, upstreamStatus: status)
        case 504:
            return UpstreamError(httpStatus: 504, code: "UpstreamTimeout", message: message, retryable: true, upstreamStatus: status)
        default:
            return UpstreamError(
                httpStatus: 502, code: "UpstreamError", message: message, retryable: status >= 500, upstreamStatus: status)
        }
    }

    /// Reachability for `/health`: `GET /api/agents` answers a JSON object keyed by agent id, and this
    /// agent's id must be among its keys. Returns nil when connected, else the reason.
    func healthProblem(timeoutMs: Int) async -> String? {
        let request = CurlRequest(
            method: "GET", url: baseURL + "/api/agents", headers: ["Accept": "application/json", "User-Agent": "agentstream/1.0"],
            connectTimeoutMs: timeoutMs, timeoutMs: timeoutMs)
        do {
            let (head, body) = try await client.fetch(request, limit: 4 << 20)
            guard head.status == 200 else { return "GET /api/agents answered HTTP \(head.status)" }
            guard let agents = (try? JSONValue.parse(body))?.objectValue else { return "GET /api/agents did not answer a JSON object" }
            return agents[agentID] == nil ? "agent id '\(agentID)' is not served by this Mastra server" : nil
        } catch {
            return error.kind == .timeout ? "no answer within \(timeoutMs) ms" : "unreachable: \(error.message)"
        }
    }
}

/// Incremental parser for both Mastra response formats, chosen from the first bytes:
///
/// - ≥0.20 SSE: `data: {"type":"text-delta","payload":{"text":"Hi"}}` … `data: [DONE]`
///   (also `JSON\u{1E}` records, the non-SSE variant of the same chunks);
/// - 0.x AI SDK data stream: `0:"Hi"` text, `3:"message"` error, `9:`/`a:` tool call/result, `f:`/`e:`/`d:`… steps;
/// - anything else is a plain text stream (`toTextStreamResponse`).
///
/// Text becomes `.text`; errors become `.failure`; tool calls and results become normalized object chunks
/// `{"type":"tool-call","toolCallId","toolName","args"}` / `{"type":"tool-result","toolCallId","toolName"?,"result"}`
/// (plain-text clients never see them); step, finish, reasoning and usage parts are dropped.
struct MastraStreamParser: UpstreamDecoder {
    enum Format: Equatable { case unknown, sse, records, dataStream, text }

    private(set) var format = Format.unknown
    /// True once `data: [DONE]` arrived.
    private(set) var isDone = false
    private var buffer: [UInt8] = []
    private var sse = SSEParser()

    /// Data-stream part types (AI SDK v4 stream protocol) are a single character before the colon.
    private static func isPartType(_ b: UInt8) -> Bool { (b >= 48 && b <= 57) || (b >= 97 && b <= 122) }

    mutating func feed(_ bytes: some Collection<UInt8>) -> [UpstreamEvent] {
        if isDone { return [] }
        if format == .unknown {
            buffer.append(contentsOf: bytes)
            guard let f = Self.sniff(buffer, final: false) else { return [] }
            format = f
            let held = buffer
            buffer = []
            return consume(held, final: false)
        }
        return consume(Array(bytes), final: false)
    }

    mutating func finish() -> [UpstreamEvent] {
        if isDone { return [] }
        if format == .unknown {
            guard !buffer.isEmpty, let f = Self.sniff(buffer, final: true) else { return [] }
            format = f
            let held = buffer
            buffer = []
            return consume(held, final: true)
        }
        return consume([], final: true)
    }

    /// The format, or nil when more bytes are needed to tell.
    static func sniff(_ bytes: [UInt8], final: Bool) -> Format? {
        var b = bytes[...]
        if b.starts(with: [0xEF, 0xBB, 0xBF]) { b = b.dropFirst(3) }
        b = b.drop { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
        guard let first = b.first else { return final ? .text : nil }
        if first == UInt8(ascii: "{") || first == 0x1E { return .records }
        if first == UInt8(ascii: ":") { return .sse }
        if b.count >= 2, isPartType(first), b[b.startIndex + 1] == UInt8(ascii: ":") { return .dataStream }
        for field in ["data:", "event:", "id:", "retry:"] {
            let f = Array(field.utf8)
            if b.starts(with: f) { return .sse }
            if f.starts(with: b) { return final ? .text : nil }  // still a possible prefix: wait
        }
        if b.count < 2 { return final ? .text : nil }
        return .text
    }

    private mutating func consume(_ bytes: [UInt8], final: Bool) -> [UpstreamEvent] {
        var out: [UpstreamEvent] = []
        switch format {
        case .unknown:
            break
        case .sse:
            var payloads = sse.feed(bytes)
            if final { payloads += sse.finish() }
            for p in payloads {
                if isDone { break }
                if p.elementsEqual("[DONE]".utf8) {
                    isDone = true
                } else if let e = Self.chunkEvent(p) {
                    out.append(e)
                }
            }
        case .records:
            buffer.append(contentsOf: bytes)
            while let rs = buffer.firstIndex(of: 0x1E) {
                let record = Array(buffer[..<rs])
                buffer.removeSubrange(...rs)
                if let e = Self.chunkEvent(record) { out.append(e) }
            }
            if final, !buffer.isEmpty {
                if let e = Self.chunkEvent(buffer) { out.append(e) }
                buffer = []
            }
        case .dataStream:
            buffer.append(contentsOf: bytes)
            while let nl = buffer.firstIndex(of: 0x0A) {
                var line = Array(buffer[..<nl])
                buffer.removeSubrange(...nl)
                if line.last == 0x0D { line.removeLast() }
                if let e = Self.dataStreamEvent(line) { out.append(e) }
            }
            if final, !buffer.isEmpty {
                if let e = Self.dataStreamEvent(buffer) { out.append(e) }
                buffer = []
            }
        case .text:
            buffer.append(contentsOf: bytes)
            // Hold back an incomplete UTF-8 sequence at the end so no character is split across chunks.
            let cut = final ? buffer.count : Self.completeUTF8Prefix(buffer)
            if cut > 0 {
                out.append(.text(String(decoding: buffer[..<cut], as: UTF8.self)))
                buffer.removeSubrange(..<cut)
            }
        }
        return out
    }

    /// One 0.x data-stream line `T:JSON`.
    static func dataStreamEvent(_ line: [UInt8]) -> UpstreamEvent? {
        guard line.count >= 2, line[1] == UInt8(ascii: ":"), let value = try? JSONValue.parse(line[2...]) else { return nil }
        switch line[0] {
        case UInt8(ascii: "0"):
            return value.stringValue.map { .text($0) }
        case UInt8(ascii: "3"):
            return .failure(code: "AgentError", message: value.stringValue ?? value.jsonString, retryable: false)
        case UInt8(ascii: "9"):
            return toolCall(value)
        case UInt8(ascii: "a"):
            return toolResult(value)
        default:
            return nil
        }
    }

    /// One ≥0.20 chunk `{"type", "payload"}` (AI SDK v5-style `delta` accepted too).
    static func chunkEvent(_ payload: [UInt8]) -> UpstreamEvent? {
        guard let value = try? JSONValue.parse(payload) else { return nil }
        if let s = value.stringValue { return .text(s) }
        let body = value["payload"] ?? value
        switch value["type"]?.stringValue {
        case "text-delta":
            let text = body["text"]?.stringValue ?? body["delta"]?.stringValue ?? value["delta"]?.stringValue ?? value["textDelta"]?.stringValue
            return text.map { .text($0) }
        case "error":
            let e = body["error"] ?? value["error"]
            let message = e?.stringValue ?? e?["message"]?.stringValue ?? body["message"]?.stringValue ?? e?.jsonString ?? "the agent reported an error"
            return .failure(code: "AgentError", message: message, retryable: false)
        case "tool-call":
            return toolCall(body)
        case "tool-result":
            return toolResult(body)
        default:
            return nil
        }
    }

    static func toolCall(_ v: JSONValue) -> UpstreamEvent {
        var o: [String: JSONValue] = ["type": "tool-call"]
        o["toolCallId"] = v["toolCallId"]
        o["toolName"] = v["toolName"]
        o["args"] = v["args"] ?? v["input"]
        return .json(JSONValue.object(o).serialized())
    }

    static func toolResult(_ v: JSONValue) -> UpstreamEvent {
        var o: [String: JSONValue] = ["type": "tool-result"]
        o["toolCallId"] = v["toolCallId"]
        o["toolName"] = v["toolName"]
        o["result"] = v["result"] ?? v["output"]
        return .json(JSONValue.object(o).serialized())
    }

    /// Length of the longest prefix of `bytes` that does not end inside a UTF-8 sequence.
    static func completeUTF8Prefix(_ bytes: [UInt8]) -> Int {
        var i = bytes.count
        var back = 0
        while i > 0, back < 4 {
            let b = bytes[i - 1]
            if b & 0xC0 != 0x80 {
                // `b` starts a sequence (or is ASCII): complete if enough continuation bytes follow it.
                let need = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1
                return back + 1 >= need ? bytes.count : i - 1
            }
            i -= 1
            back += 1
        }
        return bytes.count
    }
}
