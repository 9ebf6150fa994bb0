import TinyJSON

/// Incremental parser for both Mastra response formats, chosen from the first bytes:
///
/// - ≥0.20 SSE: `data: {"type":"text-delta","payload":{"text":"Hi"}}` … `data: [DONE]`
///   (also `JSON\u{1E}` records, the non-SSE variant of the same chunks);
/// - 0.x AI SDK data stream: `0:"Hi"` text, `3:"message"` error, `9:`/`a:` tool call/result, `f:`/`e:`/`d:`… steps;
/// - anything else is a plain text stream (`toTextStreamResponse`).
///
/// Text becomes `.text`; errors become `.failure`; tool calls and results become normalized object chunks
/// `{"type":"tool-call","toolCallId","toolName","args"}` / `{"type":"tool-result","toolCallId","toolName"?,"result"}`
/// (plain-text clients never see them); step, finish, reasoning and usage parts are dropped. A line, record or
/// event longer than `maxEventBytes` ends the stream with `UpstreamEventTooLarge`.
package struct MastraStreamParser: UpstreamDecoder {
    package enum Format: Equatable { case unknown, sse, records, dataStream, text }

    package let maxEventBytes: Int
    package private(set) var format = Format.unknown
    /// True once `data: [DONE]` arrived, or an oversized event ended the stream.
    package private(set) var isDone = false
    /// Bytes of an incomplete line or record (or of the sniffing window, or an incomplete UTF-8 sequence).
    private var buffer: [UInt8] = []
    private var sse: SSEParser

    package init(maxEventBytes: Int = 10 << 20) {
        self.maxEventBytes = maxEventBytes
        sse = SSEParser(maxEventBytes: maxEventBytes)
    }

    /// Data-stream part types (AI SDK v4 stream protocol) are a single character before the colon.
    private static func isPartType(_ b: UInt8) -> Bool { (b >= 48 && b <= 57) || (b >= 97 && b <= 122) }

    package mutating func feed(_ bytes: [UInt8]) -> [UpstreamEvent] {
        if isDone { return [] }
        if format == .unknown {
            buffer.append(contentsOf: bytes)
            // The format must show within the first `maxEventBytes` bytes. Looking further when one read
            // happens to bring more would make the verdict depend on how the stream was cut into reads.
            guard let f = Self.sniff(buffer.prefix(maxEventBytes), final: false) else {
                return buffer.count > maxEventBytes ? tooLarge() : []
            }
            format = f
            let held = buffer
            buffer = []
            return consume(held, final: false)
        }
        return consume(bytes, final: false)
    }

    package mutating func finish() -> [UpstreamEvent] {
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

    private mutating func tooLarge() -> [UpstreamEvent] {
        isDone = true
        buffer = []
        let e = UpstreamError.eventTooLarge(limit: maxEventBytes, upstream: "Mastra")
        return [.failure(code: e.code, message: e.message, retryable: false)]
    }

    static func sniff(_ bytes: [UInt8], final: Bool) -> Format? { sniff(bytes[...], final: final) }

    /// The format `bytes` (the start of the body) show, or nil while more bytes could change the answer.
    static func sniff(_ bytes: ArraySlice<UInt8>, final: Bool) -> Format? {
        var b = bytes
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        if b.starts(with: bom) {
            b = b.dropFirst(3)
        } else if !final, bom.starts(with: b) {
            return nil  // possibly a byte order mark cut by a read: wait for the rest
        }
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
            if sse.overflowed, !isDone { out += tooLarge() }
        case .records:
            if !split(bytes, at: 0x1E, final: final, into: &out, Self.chunkEvent) { out += tooLarge() }
        case .dataStream:
            if !split(bytes, at: 0x0A, final: final, into: &out, { line in
                var line = line[...]
                if line.last == 0x0D { line = line.dropLast() }
                return Self.dataStreamEvent(Array(line))
            }) {
                out += tooLarge()
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

    /// Splits `buffer + bytes` at `separator`, decoding each complete piece (one pass; the incomplete tail
    /// stays in `buffer`). False when a piece, complete or not, outgrows `maxEventBytes`.
    private mutating func split(
        _ bytes: [UInt8], at separator: UInt8, final: Bool, into out: inout [UpstreamEvent], _ decode: ([UInt8]) -> UpstreamEvent?
    ) -> Bool {
        let input: [UInt8]
        if buffer.isEmpty {
            input = bytes
        } else {
            buffer.append(contentsOf: bytes)
            input = buffer
        }
        buffer = []
        var start = 0
        while let end = input[start...].firstIndex(of: separator) {
            // A complete piece is held to the limit too, not only an incomplete tail: otherwise a piece that
            // arrives in one read would pass where the same piece cut across reads is refused.
            guard end - start <= maxEventBytes else { return false }
            if let e = decode(Array(input[start..<end])) { out.append(e) }
            start = end + 1
        }
        if final {
            guard input.count - start <= maxEventBytes else { return false }
            if start < input.count, let e = decode(Array(input[start...])) { out.append(e) }
            return true
        }
        buffer = Array(input[start...])
        return buffer.count <= maxEventBytes
    }

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
