import Testing
import TinyJSON

@testable import AgentStream

@Suite struct MastraUpstreamTests {
    func parse(_ pieces: [String]) -> [UpstreamEvent] {
        var p = MastraStreamParser()
        var out: [UpstreamEvent] = []
        for piece in pieces { out += p.feed(Array(piece.utf8)) }
        out += p.finish()
        return out
    }

    func allSplits(_ whole: String, expect: [UpstreamEvent]) {
        let bytes = Array(whole.utf8)
        for i in 0...bytes.count {
            var p = MastraStreamParser()
            var out = p.feed(Array(bytes[..<i]))
            out += p.feed(Array(bytes[i...]))
            out += p.finish()
            #expect(out == expect, "split at \(i)")
        }
    }

    @Test func legacyDataStream() {
        let body = "f:{\"messageId\":\"m1\"}\n0:\"Hel\"\n0:\"lo \\\"you\\\"\"\n9:{\"toolCallId\":\"c1\",\"toolName\":\"s3\",\"args\":{\"b\":1}}\n"
            + "a:{\"toolCallId\":\"c1\",\"result\":[1]}\ng:\"thinking\"\ne:{\"finishReason\":\"stop\"}\nd:{\"finishReason\":\"stop\"}\n"
        let expected: [UpstreamEvent] = [
            .text("Hel"), .text("lo \"you\""),
            .json(Array(#"{"args":{"b":1},"toolCallId":"c1","toolName":"s3","type":"tool-call"}"#.utf8)),
            .json(Array(#"{"result":[1],"toolCallId":"c1","type":"tool-result"}"#.utf8)),
        ]
        allSplits(body, expect: expected)
        #expect(parse(["0:\"a\"\r\n3:\"rate limited\"\n"]) == [.text("a"), .failure(code: "AgentError", message: "rate limited", retryable: false)])
    }

    @Test func sseChunksEndAtDone() {
        let body = "data: {\"type\":\"start\",\"runId\":\"r\"}\n\ndata: {\"type\":\"text-delta\",\"runId\":\"r\",\"from\":\"AGENT\",\"payload\":{\"id\":\"1\",\"text\":\"Hi\"}}\n\n"
            + "data: {\"type\":\"tool-call\",\"payload\":{\"toolCallId\":\"c\",\"toolName\":\"t\",\"args\":{}}}\n\n"
            + "data: {\"type\":\"finish\",\"payload\":{}}\n\ndata: [DONE]\n\ndata: {\"type\":\"text-delta\",\"payload\":{\"text\":\"after\"}}\n\n"
        allSplits(body, expect: [.text("Hi"), .json(Array(#"{"args":{},"toolCallId":"c","toolName":"t","type":"tool-call"}"#.utf8))])
        var p = MastraStreamParser()
        _ = p.feed(Array(body.utf8))
        #expect(p.isDone && p.format == .sse)
    }

    @Test func sseErrorShapes() {
        #expect(parse(["data: {\"type\":\"error\",\"payload\":{\"error\":{\"message\":\"boom\"}}}\n\n"])
            == [.failure(code: "AgentError", message: "boom", retryable: false)])
        #expect(parse(["data: {\"type\":\"error\",\"payload\":{\"error\":\"bad key\"}}\n\n"])
            == [.failure(code: "AgentError", message: "bad key", retryable: false)])
        // AI SDK v5 UI-stream spelling of a text delta.
        #expect(parse(["data: {\"type\":\"text-delta\",\"id\":\"0\",\"delta\":\"x\"}\n\n"]) == [.text("x")])
    }

    @Test func recordSeparatedAndPlainText() {
        #expect(parse(["{\"type\":\"text-delta\",\"payload\":{\"text\":\"a\"}}\u{1E}{\"type\":\"text-de", "lta\",\"payload\":{\"text\":\"b\"}}\u{1E}"])
            == [.text("a"), .text("b")])
        // A plain text stream, with a multi-byte character split between reads.
        let bytes = Array("Grüße".utf8)
        var p = MastraStreamParser()
        var out = p.feed(Array(bytes[..<3]))
        out += p.feed(Array(bytes[3...]))
        out += p.finish()
        #expect(out.map { if case .text(let t) = $0 { t } else { "?" } }.joined() == "Grüße")
        #expect(p.format == .text)
    }

    @Test func sniffing() {
        #expect(MastraStreamParser.sniff(Array("d".utf8), final: false) == nil)
        #expect(MastraStreamParser.sniff(Array("d:".utf8), final: false) == .dataStream)
        #expect(MastraStreamParser.sniff(Array("da".utf8), final: false) == nil)
        #expect(MastraStreamParser.sniff(Array("data:".utf8), final: false) == .sse)
        #expect(MastraStreamParser.sniff(Array(": ping".utf8), final: false) == .sse)
        #expect(MastraStreamParser.sniff(Array("\n\nf:{}".utf8), final: false) == .dataStream)
        #expect(MastraStreamParser.sniff(Array("Hello".utf8), final: false) == .text)
    }

    @Test func requestBodyCarriesBothGenerations() throws {
        let call = AgentCall(
            agentName: "a", session: AgentSession(clientID: "t-1", upstreamID: "t-1", clientSupplied: true), userID: "user_1",
            prompt: "hi", messages: [["role": "user", "content": "hi"]], resourceID: "user_1", runID: "r",
            options: ["temperature": 0.5, "maxSteps": 3], passthrough: ["instructions": "evil"],
            requestContext: ["user-id": "user_1", "is-authenticated": true])
        let body = try JSONValue.parse(MastraUpstream.body(for: call))
        #expect(body["threadId"] == "t-1" && body["resourceId"] == "user_1" && body["runId"] == "r")
        #expect(body["memory"] == ["thread": "t-1", "resource": "user_1"])
        #expect(body["runtimeContext"] == body["requestContext"] && body["runtimeContext"]?["user-id"] == "user_1")
        #expect(body["temperature"] == 0.5 && body["modelSettings"] == ["temperature": 0.5] && body["maxSteps"] == 3)
        #expect(body["instructions"] == nil)
        #expect(body["messages"] == [["role": "user", "content": "hi"]])
    }

    @Test func errorMapping() {
        let e = MastraErrors.map(status: 404, body: Array(#"{"error":"Agent not found"}"#.utf8), agentID: "weather")
        #expect(e.httpStatus == 404 && e.code == "AgentNotFound" && e.message.contains("Agent not found"))
        #expect(MastraErrors.map(status: 500, body: [], agentID: "x").httpStatus == 502)
        #expect(MastraErrors.map(status: 429, body: [], agentID: "x").retryable)
    }

    @Test func aFreshConversationSendsNoThread() throws {
        let call = AgentCall(agentName: "a", session: AgentSession(clientID: "g", upstreamID: "g", clientSupplied: false), prompt: "hi")
        let body = try JSONValue.parse(MastraUpstream.body(for: call))
        #expect(body["threadId"] == nil && body["memory"] == nil)
        #expect(body["messages"] == [["role": "user", "content": "hi"]])
    }

    @Test(arguments: ["0:\"" + String(repeating: "a", count: 100), "{\"type\":\"text-delta\",\"p\":\"" + String(repeating: "b", count: 100),
                      "data: " + String(repeating: "c", count: 100)])
    func anOversizedLineRecordOrEventEndsTheStream(_ body: String) {
        var p = MastraStreamParser(maxEventBytes: 64)
        var out: [UpstreamEvent] = []
        for piece in stride(from: 0, to: body.utf8.count, by: 10) {
            let bytes = Array(body.utf8)
            out += p.feed(Array(bytes[piece..<min(bytes.count, piece + 10)]))
        }
        out += p.finish()
        #expect(out == [.failure(code: "UpstreamEventTooLarge", message: "Mastra sent an event larger than 64 bytes (MAX_EVENT_BYTES)", retryable: false)])
        #expect(p.isDone)
    }

    // Found by `make fuzz` (Fuzz/corpus/mastra/regression-*): the same body cut into reads differently must end
    // the same way. Each case feeds one read with everything, then one byte per read.
    func wholeAndBytewise(_ body: [UInt8], limit: Int) -> ([UpstreamEvent], [UpstreamEvent]) {
        var whole = MastraStreamParser(maxEventBytes: limit)
        let a = whole.feed(body) + whole.finish()
        var bytewise = MastraStreamParser(maxEventBytes: limit)
        var b: [UpstreamEvent] = []
        for byte in body { b += bytewise.feed([byte]) }
        return (a, b + bytewise.finish())
    }

    var tooLarge3: UpstreamEvent {
        .failure(code: "UpstreamEventTooLarge", message: "Mastra sent an event larger than 3 bytes (MAX_EVENT_BYTES)", retryable: false)
    }

    @Test func aCompleteRecordOverTheLimitIsRefusedEvenInOneRead() {
        // Was: refused when cut across reads, relayed when it arrived in one read.
        let (whole, bytewise) = wholeAndBytewise([0x1E, 0x41, 0x05, 0x2B, 0x0D, 0x1E], limit: 3)
        #expect(whole == [tooLarge3] && bytewise == [tooLarge3])
        let line = Array("0:\"a long line\"\n".utf8)
        #expect(wholeAndBytewise(line, limit: 3).0 == [tooLarge3])
    }

    @Test func theFormatMustShowWithinTheLimitHoweverTheBodyIsCut() {
        // Was: text when the body came in one read, UpstreamEventTooLarge when it came a byte at a time.
        let (whole, bytewise) = wholeAndBytewise([0x0A, 0xF3, 0x0A, 0x3A], limit: 1)
        #expect(whole == bytewise)
        let (w2, b2) = wholeAndBytewise(Array(("\n\n\n\n" + "data: {\"type\":\"text-delta\",\"payload\":{\"text\":\"x\"}}\n\n").utf8), limit: 3)
        #expect(w2 == [tooLarge3] && b2 == [tooLarge3])
    }

    @Test func aByteOrderMarkCutByAReadIsNotTakenForText() {
        // Was: the first two bytes of a BOM alone decided "plain text", so a BOM-prefixed SSE stream read a byte
        // at a time was relayed as raw text.
        let body = [0xEF, 0xBB, 0xBF] + Array("data: {\"type\":\"text-delta\",\"payload\":{\"text\":\"Hi\"}}\n\n".utf8)
        let (whole, bytewise) = wholeAndBytewise(body, limit: 1 << 20)
        #expect(whole == [.text("Hi")] && bytewise == [.text("Hi")])
        #expect(MastraStreamParser.sniff([0xEF, 0xBB], final: false) == nil)
    }
}
