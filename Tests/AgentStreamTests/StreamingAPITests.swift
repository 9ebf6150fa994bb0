import Primitives
import CurlHTTP
import SigV4
import Testing
import TinyJSON

@testable import AgentStream

@Suite struct MastraStreamParserTests {
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
            var out = p.feed(bytes[..<i])
            out += p.feed(bytes[i...])
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
        var out = p.feed(bytes[..<3])
        out += p.feed(bytes[3...])
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
        var call = AgentCall(
            agentName: "a", sessionID: "s", userID: "user_1", prompt: "hi", messages: [["role": "user", "content": "hi"]],
            extra: ["threadId": "t-1", "resourceId": "user_1", "runId": "r", "temperature": 0.5, "maxSteps": 3, "instructions": "evil"])
        call.requestContext = ["user-id": "user_1", "is-authenticated": true]
        let body = try JSONValue.parse(MastraUpstream.body(for: call))
        #expect(body["threadId"] == "t-1" && body["resourceId"] == "user_1" && body["runId"] == "r")
        #expect(body["memory"] == ["thread": "t-1", "resource": "user_1"])
        #expect(body["runtimeContext"] == body["requestContext"] && body["runtimeContext"]?["user-id"] == "user_1")
        #expect(body["temperature"] == 0.5 && body["modelSettings"] == ["temperature": 0.5] && body["maxSteps"] == 3)
        #expect(body["instructions"] == nil)
        #expect(body["messages"] == [["role": "user", "content": "hi"]])
    }

    @Test func errorMapping() {
        let e = MastraUpstream.mapError(status: 404, body: Array(#"{"error":"Agent not found"}"#.utf8), agentID: "weather")
        #expect(e.httpStatus == 404 && e.code == "AgentNotFound" && e.message.contains("Agent not found"))
        #expect(MastraUpstream.mapError(status: 500, body: [], agentID: "x").httpStatus == 502)
        #expect(MastraUpstream.mapError(status: 429, body: [], agentID: "x").retryable)
    }
}

@Suite struct StreamValidationTests {
    func target(_ name: String) -> AgentTarget? {
        switch name {
        case "core": .agentCore(arn: "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/a-1")
        case "weather": .mastra(agentID: "weatherAgent")
        default: nil
        }
    }

    func failure(_ body: JSONValue) -> HTTPFailure? {
        do {
            _ = try StreamingAPI.parse(body.objectValue ?? [:], target: target)
            return nil
        } catch {
            return error
        }
    }

    func fields(_ body: JSONValue) -> [String] {
        failure(body)?.body["fields"]?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    @Test func validBody() throws {
        let r = try StreamingAPI.parse(
            [
                "agentName": "weather", "threadId": "t1", "temperature": 0, "topP": 1, "maxSteps": 5, "maxRetries": 0,
                "messages": [["role": "system", "content": "be brief"], ["role": "user", "content": "hi"],
                             ["role": "assistant", "content": [["type": "text", "text": "hello"]]], ["role": "user", "content": "weather?"]],
            ], target: target)
        #expect(r.prompt == "weather?" && r.threadID == "t1" && r.options.count == 4)
    }

    @Test func namesEveryBadField() {
        let f = fields([
            "messages": [["role": "robot", "content": ""], "x"], "temperature": 2.5, "topP": -0.1, "maxSteps": 0, "maxRetries": 1.5,
            "runId": "", "resourceId": 7,
        ])
        #expect(f == ["agentName", "messages[0].role", "messages[0].content", "messages[1]", "runId", "resourceId", "temperature", "topP", "maxSteps", "maxRetries"])
        #expect(failure(["agentName": "weather"])?.status == 400)
        #expect(fields(["agentName": "weather", "messages": []]) == ["messages"])
        #expect(fields(["agentName": "weather", "messages": [["role": "assistant", "content": "x"]]]) == ["messages"])
        #expect(fields(["agentName": "weather", "messages": [["role": "user", "content": "x"]], "temperature": "1"]) == ["temperature"])
    }

    @Test func unknownAgentIs404OnlyWhenTheRestIsValid() {
        #expect(failure(["agentName": "nope", "messages": [["role": "user", "content": "x"]]])?.status == 404)
        #expect(failure(["agentName": "nope", "messages": []])?.status == 400)
    }

    @Test func threadIdRulesFollowTheTarget() {
        let msgs: JSONValue = [["role": "user", "content": "x"]]
        #expect(fields(["agentName": "core", "messages": msgs, "threadId": "short"]) == ["threadId"])
        #expect(failure(["agentName": "core", "messages": msgs, "threadId": .string(String(repeating: "a", count: 40))]) == nil)
        #expect(failure(["agentName": "weather", "messages": msgs, "threadId": "short"]) == nil)
    }

    @Test func acceptAndLanguage() {
        #expect(StreamingAPI.wantsSSE(accept: "text/event-stream"))
        #expect(StreamingAPI.wantsSSE(accept: "application/json, Text/Event-Stream;q=0.9"))
        #expect(!StreamingAPI.wantsSSE(accept: "*/*"))
        #expect(!StreamingAPI.wantsSSE(accept: nil))
        #expect(StreamingAPI.language(acceptLanguage: "de-CH,de;q=0.9") == "de-CH")
        #expect(StreamingAPI.language(acceptLanguage: "*") == "en")
        #expect(StreamingAPI.language(acceptLanguage: nil) == "en")
    }

    @Test func isoTime() {
        #expect(AWSDate.iso8601(epochMs: 0) == "1970-01-01T00:00:00.000Z")
        #expect(AWSDate.iso8601(epochMs: 1_900_000_000_123) == "2030-03-17T17:46:40.123Z")
        #expect(AWSDate.iso8601(epochMs: 951_782_400_000) == "2000-02-29T00:00:00.000Z")
    }
}
