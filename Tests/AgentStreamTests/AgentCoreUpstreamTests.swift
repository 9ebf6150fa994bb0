import CurlHTTP
import Testing
import TinyJSON

@testable import AgentStream

@Suite struct AgentCoreUpstreamTests {
    @Test func classifiesSDKErrorEvents() {
        let e = AgentCoreEvents.classify(Array(#"{"error": "boom", "error_type": "RuntimeError", "message": "An error occurred"}"#.utf8))
        #expect(e == .failure(code: "AgentError", message: "RuntimeError: boom", retryable: false))
        #expect(AgentCoreEvents.classify(Array("\"hi\"".utf8)) == .json(Array("\"hi\"".utf8)))
        #expect(AgentCoreEvents.classify(Array("{\"a\":\n 1}".utf8)) == .json(Array("{\"a\":1}".utf8)))
        #expect(AgentCoreEvents.classify(Array("plain text".utf8)) == .json(Array("\"plain text\"".utf8)))
    }

    @Test func anEventThatOverflowsAtTheEndOfTheStreamIsReported() {
        // Found by `make fuzz` (Fuzz/corpus/agentcore/regression-overflow-at-finish.sse): a final bare `data`
        // line adds the event's line break only when the stream ends; that overflow went unreported and the
        // stream ended as if complete.
        var d = AgentCoreEventDecoder(maxEventBytes: 8)
        #expect(d.feed(Array("data: 12345678\ndata".utf8)) == [])
        #expect(d.finish() == [.failure(code: "UpstreamEventTooLarge", message: "AgentCore sent an event larger than 8 bytes (MAX_EVENT_BYTES)", retryable: false)])
        #expect(d.isDone)
    }

    @Test(arguments: [
        (400, "ValidationException", 502, false), (402, "ServiceQuotaExceededException", 503, false),
        (403, "AccessDeniedException", 502, false), (404, "ResourceNotFoundException", 502, false),
        (409, "RetryableConflictException", 503, true), (424, "RuntimeClientError", 502, false),
        (429, "ThrottlingException", 503, true), (500, "InternalServerException", 502, true),
    ])
    func mapsAWSErrors(_ status: Int, _ code: String, _ httpStatus: Int, _ retryable: Bool) {
        var headers = HeaderFields()
        headers.add("x-amzn-ErrorType", "\(code):http://internal.amazon.com/coral/com.amazon.bedrockagentcore/")
        let e = AgentCoreErrors.map(status: status, headers: headers, body: Array(#"{"message":"nope"}"#.utf8))
        #expect(e.code == code && e.httpStatus == httpStatus && e.retryable == retryable && e.upstreamStatus == status)
        #expect(e.message == "AgentCore: nope")
    }

    @Test func validationDetailsReachTheMessage() {
        let body = #"{"Message":"bad","reason":"FieldValidationFailed","fieldList":[{"name":"runtimeSessionId","message":"too short"}]}"#
        let e = AgentCoreErrors.map(status: 400, headers: HeaderFields(), body: Array(body.utf8))
        #expect(e.code == "HTTP400")
        #expect(e.message.contains("bad") && e.message.contains("FieldValidationFailed") && e.message.contains("runtimeSessionId: too short"))
    }

    @Test func encodesTheARNAsOnePathSegment() {
        let u = AgentCoreUpstream(
            arn: "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/my_agent-AbCdEf1234", qualifier: "DEFAULT",
            endpoint: "https://bedrock-agentcore.us-east-1.amazonaws.com", region: "us-east-1", credentials: { nil })
        #expect(u.invocationURL == "https://bedrock-agentcore.us-east-1.amazonaws.com/runtimes/arn%3Aaws%3Abedrock-agentcore%3Aus-east-1%3A123456789012%3Aruntime%2Fmy_agent-AbCdEf1234/invocations?qualifier=DEFAULT")
    }

    @Test func stopSessionURLUsesTheSameEncodedARN() {
        let u = AgentCoreUpstream(
            arn: "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/a-1", qualifier: "prod", endpoint: "http://127.0.0.1:1",
            region: "us-east-1", credentials: { nil })
        #expect(u.stopSessionURL == "http://127.0.0.1:1/runtimes/arn%3Aaws%3Abedrock-agentcore%3Aus-east-1%3A123456789012%3Aruntime%2Fa-1/stopruntimesession?qualifier=prod")
    }

    @Test func sessionsBelongToTheirUserWhenAuthIsOn() {
        let u = AgentCoreUpstream(
            arn: "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/a-1", qualifier: "DEFAULT", endpoint: "http://127.0.0.1:1",
            region: "us-east-1", credentials: { nil })
        let id = String(repeating: "s", count: 40)
        let anonymous = u.session(clientID: id, caller: .anonymous)
        #expect(anonymous == AgentSession(clientID: id, upstreamID: id, clientSupplied: true))
        let alice = u.session(clientID: id, caller: Caller(userID: "user_alice", claims: [:]))
        let bob = u.session(clientID: id, caller: Caller(userID: "user_bob", claims: [:]))
        #expect(alice.clientID == id && bob.clientID == id)
        #expect(alice.upstreamID != bob.upstreamID && alice.upstreamID != id)
        #expect(alice.upstreamID == u.session(clientID: id, caller: Caller(userID: "user_alice", claims: [:])).upstreamID)
        #expect(SessionID.isValid(alice.upstreamID) && alice.upstreamID.count == 65)
        let fresh = u.session(clientID: nil, caller: .anonymous)
        #expect(!fresh.clientSupplied && SessionID.isValid(fresh.clientID))
    }

    @Test func requestBodyIsTheClientsFieldsPlusPromptAndMessages() throws {
        let call = AgentCall(
            agentName: "a", session: AgentSession(clientID: "c", upstreamID: "u", clientSupplied: true), prompt: "hi",
            messages: [["role": "user", "content": "hi"]], passthrough: ["temperature": 0.5, "prompt": "ignored"])
        let body = try JSONValue.parse(AgentCoreUpstream.body(for: call))
        #expect(body == ["temperature": 0.5, "prompt": "hi", "messages": [["role": "user", "content": "hi"]]])
    }
}
