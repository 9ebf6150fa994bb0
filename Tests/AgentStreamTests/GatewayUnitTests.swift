import CurlHTTP
import Testing
import TinyJSON

@testable import AgentStream

@Suite struct SSEParserTests {
    func parseAll(_ pieces: [String]) -> [String] {
        var p = SSEParser()
        var out: [[UInt8]] = []
        for piece in pieces { out += p.feed(Array(piece.utf8)) }
        out += p.finish()
        return out.map { String(decoding: $0, as: UTF8.self) }
    }

    @Test func splitsAcrossChunksAndLineEndings() {
        let whole = "data: \"a\"\n\ndata: {\"b\":1}\r\n\r\n: comment\n\nevent: x\nid: 7\ndata: \"c\"\r\r"
        #expect(parseAll([whole]) == ["\"a\"", "{\"b\":1}", "\"c\""])
        // Every split point, including inside CRLF pairs, gives the same events.
        for i in 0...whole.utf8.count {
            let bytes = Array(whole.utf8)
            let a = String(decoding: bytes[..<i], as: UTF8.self)
            let b = String(decoding: bytes[i...], as: UTF8.self)
            #expect(parseAll([a, b]) == ["\"a\"", "{\"b\":1}", "\"c\""], "split at \(i)")
        }
    }

    @Test func joinsMultiLineDataAndFlushesFinalEvent() {
        #expect(parseAll(["data: {\"a\":\ndata: 1}\n\ndata:no-space\ndata"]) == ["{\"a\":\n1}", "no-space\n"])
    }

    @Test func ignoresEventsWithoutData() {
        #expect(parseAll([": ping\n\nevent: x\n\n\n\n"]) == [])
    }
}

@Suite struct AgentCoreMappingTests {
    @Test func classifiesSDKErrorEvents() {
        let e = AgentCoreUpstream.classify(Array(#"{"error": "boom", "error_type": "RuntimeError", "message": "An error occurred"}"#.utf8))
        #expect(e == .failure(code: "AgentError", message: "RuntimeError: boom", retryable: false))
        #expect(AgentCoreUpstream.classify(Array("\"hi\"".utf8)) == .json(Array("\"hi\"".utf8)))
        #expect(AgentCoreUpstream.classify(Array("{\"a\":\n 1}".utf8)) == .json(Array("{\"a\":1}".utf8)))
        #expect(AgentCoreUpstream.classify(Array("plain text".utf8)) == .json(Array("\"plain text\"".utf8)))
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
        let e = AgentCoreUpstream.mapError(status: status, headers: headers, body: Array(#"{"message":"nope"}"#.utf8))
        #expect(e.code == code && e.httpStatus == httpStatus && e.retryable == retryable && e.upstreamStatus == status)
        #expect(e.message == "AgentCore: nope")
    }

    @Test func validationDetailsReachTheMessage() {
        let body = #"{"Message":"bad","reason":"FieldValidationFailed","fieldList":[{"name":"runtimeSessionId","message":"too short"}]}"#
        let e = AgentCoreUpstream.mapError(status: 400, headers: HeaderFields(), body: Array(body.utf8))
        #expect(e.code == "HTTP400")
        #expect(e.message.contains("bad") && e.message.contains("FieldValidationFailed") && e.message.contains("runtimeSessionId: too short"))
    }

    @Test func encodesTheARNAsOnePathSegment() {
        let u = AgentCoreUpstream(
            arn: "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/my_agent-AbCdEf1234", qualifier: "DEFAULT",
            endpoint: "https://bedrock-agentcore.us-east-1.amazonaws.com", region: "us-east-1", credentials: { nil })
        #expect(u.invocationURL == "https://bedrock-agentcore.us-east-1.amazonaws.com/runtimes/arn%3Aaws%3Abedrock-agentcore%3Aus-east-1%3A123456789012%3Aruntime%2Fmy_agent-AbCdEf1234/invocations?qualifier=DEFAULT")
    }
}

@Suite struct ConfigAndSessionTests {
    let arn = "arn:aws:bedrock-agentcore:eu-west-1:123456789012:runtime/a-1"

    @Test func defaultsFromTheARN() throws {
        let c = try GatewayConfig(environment: ["AGENTCORE_RUNTIME_ARN": arn])
        #expect(c.agents.map(\.name) == ["default"])
        #expect(c.region == "eu-west-1" && c.agentCoreEndpoint == "https://bedrock-agentcore.eu-west-1.amazonaws.com")
        #expect(c.heartbeatMs == 15_000 && c.deadlineMarginMs == 2_000 && c.upstreamIdleTimeoutMs == 300_000)
        #expect(c.qualifier == "DEFAULT" && c.logLevel == .info)
    }

    @Test func agentsMapAddsNamedAgents() throws {
        let c = try GatewayConfig(environment: [
            "AGENTCORE_RUNTIME_ARN": arn, "AGENTS": #"{"weather":{"mastra":"weatherAgent"},"ops":{"agentcore":"\#(arn)"}}"#,
        ])
        #expect(c.agents.map(\.name) == ["default", "ops", "weather"])
        #expect(c.target(named: "weather") == .mastra(agentID: "weatherAgent"))
    }

    @Test(arguments: [
        (["AGENTCORE_RUNTIME_ARN": ""], "AGENTCORE_RUNTIME_ARN"),
        (["AGENTCORE_RUNTIME_ARN": "arn:aws:lambda:us-east-1:1:function:x"], "AGENTCORE_RUNTIME_ARN"),
        (["AGENTS": "{"], "AGENTS"),
        (["AGENTS": #"{"x":{"other":1}}"#], "AGENTS"),
        (["AGENTS": #"{"bad name":{"mastra":"m"}}"#], "AGENTS"),
        (["AGENTS": #"{"m":{"mastra":"m"}}"#, "HEARTBEAT_MS": "soon"], "HEARTBEAT_MS"),
        (["AGENTS": #"{"m":{"mastra":"m"}}"#, "DEADLINE_MARGIN_MS": "-1"], "DEADLINE_MARGIN_MS"),
        (["AGENTS": #"{"m":{"mastra":"m"}}"#, "UPSTREAM_IDLE_TIMEOUT_MS": "0"], "UPSTREAM_IDLE_TIMEOUT_MS"),
        (["AGENTS": #"{"m":{"mastra":"m"}}"#, "LOG_LEVEL": "loud"], "LOG_LEVEL"),
        (["AGENTS": #"{"m":{"mastra":"m"}}"#, "AGENTCORE_ENDPOINT": "ftp://x"], "AGENTCORE_ENDPOINT"),
        (["AGENTS": #"{"m":{"mastra":"m"}}"#, "MASTRA_AGENT_URL": "localhost:4111"], "MASTRA_AGENT_URL"),
    ])
    func invalidConfigNamesTheVariable(_ env: [String: String], _ variable: String) {
        do {
            _ = try GatewayConfig(environment: env)
            Issue.record("expected a ConfigError for \(variable)")
        } catch {
            #expect(error.variable == variable)
            #expect(error.description.hasPrefix(variable))
        }
    }

    @Test func sessionIDRules() {
        #expect(SessionID.isValid(String(repeating: "a", count: 33)))
        #expect(SessionID.isValid("A" + String(repeating: "-_9", count: 33)))
        #expect(!SessionID.isValid(String(repeating: "a", count: 32)))
        #expect(!SessionID.isValid(String(repeating: "a", count: 101)))
        #expect(!SessionID.isValid("-" + String(repeating: "a", count: 40)))
        #expect(!SessionID.isValid(String(repeating: "a", count: 40) + " "))
        let generated = (0..<100).map { _ in SessionID.generate() }
        #expect(Set(generated).count == 100)
        for id in generated {
            #expect(id.count == 36 && SessionID.isValid(id))
            #expect(Array(id)[14] == "4")
        }
    }

    @Test func textExtraction() {
        #expect(Relay.text(ofJSON: Array("\"hi\"".utf8)) == "hi")
        #expect(Relay.text(ofJSON: Array(#"{"event":{"contentBlockDelta":{"delta":{"text":"tok"}}}}"#.utf8)) == "tok")
        #expect(Relay.text(ofJSON: Array(#"{"other":1}"#.utf8)) == nil)
    }
}
