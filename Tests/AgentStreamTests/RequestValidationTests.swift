import Testing
import TinyJSON

@testable import AgentStream

@Suite struct StreamValidationTests {
    static let core = AgentCoreUpstream(
        arn: "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/a-1", qualifier: "DEFAULT", endpoint: "http://127.0.0.1:1",
        region: "us-east-1", credentials: { nil })
    static let weather = MastraUpstream(baseURL: "http://127.0.0.1:1", agentID: "weatherAgent")

    func target(_ name: String) -> (any AgentUpstream)? {
        switch name {
        case "core": Self.core
        case "weather": Self.weather
        default: nil
        }
    }

    func failure(_ body: JSONValue) -> HTTPFailure? {
        do {
            _ = try StreamRequest.parse(body.objectValue ?? [:], upstream: target)
            return nil
        } catch {
            return error
        }
    }

    func fields(_ body: JSONValue) -> [String] {
        failure(body)?.body["fields"]?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    @Test func validBody() throws {
        let r = try StreamRequest.parse(
            [
                "agentName": "weather", "threadId": "t1", "temperature": 0, "topP": 1, "maxSteps": 5, "maxRetries": 0,
                "messages": [["role": "system", "content": "be brief"], ["role": "user", "content": "hi"],
                             ["role": "assistant", "content": [["type": "text", "text": "hello"]]], ["role": "user", "content": "weather?"]],
            ], upstream: target)
        #expect(r.prompt == "weather?" && r.sessionID == "t1" && r.options.count == 4)
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
        #expect(StreamRequest.wantsSSE(accept: "text/event-stream"))
        #expect(StreamRequest.wantsSSE(accept: "application/json, Text/Event-Stream;q=0.9"))
        #expect(!StreamRequest.wantsSSE(accept: "*/*"))
        #expect(!StreamRequest.wantsSSE(accept: nil))
        #expect(StreamRequest.language(acceptLanguage: "de-CH,de;q=0.9") == "de-CH")
        #expect(StreamRequest.language(acceptLanguage: "*") == "en")
        #expect(StreamRequest.language(acceptLanguage: nil) == "en")
    }

    func invokeFailure(_ body: JSONValue) -> HTTPFailure? {
        do {
            _ = try InvokeRequest.parse(body.objectValue ?? [:], defaultAgent: "core", upstream: target)
            return nil
        } catch {
            return error
        }
    }

    @Test func invokeNamesEveryBadFieldAndChecksSessionsByBackend() throws {
        #expect(invokeFailure(["session_id": 5, "agent": ""])?.body["fields"] == ["prompt", "agent", "session_id"])
        #expect(invokeFailure(["prompt": "hi", "session_id": "short"])?.body["fields"] == ["session_id"])
        #expect(invokeFailure(["prompt": "hi", "agent": "weather", "session_id": "short"]) == nil)
        #expect(invokeFailure(["prompt": "hi", "agent": "nope"])?.status == 404)
        let r = try InvokeRequest.parse(["prompt": "hi", "extra": 1, "session_id": .null], defaultAgent: "core", upstream: target)
        #expect(r.agentName == "core" && r.sessionID == nil && r.passthrough == ["extra": 1])
    }

    @Test func resourceIsTheCallersWhenAuthIsOn() throws {
        let alice = Caller(userID: "user_alice", claims: [:])
        #expect(try Gateway.resource(requested: nil, caller: alice) == "user_alice")
        #expect(try Gateway.resource(requested: "user_alice", caller: alice) == "user_alice")
        #expect(throws: HTTPFailure.self) { try Gateway.resource(requested: "user_bob", caller: alice) }
        #expect(try Gateway.resource(requested: "anything", caller: .anonymous) == "anything")
        #expect(try Gateway.resource(requested: nil, caller: .anonymous) == nil)
    }
}
