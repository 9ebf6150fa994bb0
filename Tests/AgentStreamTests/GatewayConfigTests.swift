#if canImport(Glibc)
import Glibc
#endif
import Testing
import TinyJSON

@testable import AgentStream

@Suite struct GatewayConfigTests {
    let arn = "arn:aws:bedrock-agentcore:eu-west-1:123456789012:runtime/a-1"

    @Test func defaultsFromTheARN() throws {
        let c = try GatewayConfig(environment: ["AGENTCORE_RUNTIME_ARN": arn])
        #expect(c.agents.map(\.name) == ["default"])
        let upstream = try #require(try Gateway(config: c).upstreams["default"] as? AgentCoreUpstream)
        #expect(upstream.region == "eu-west-1" && upstream.endpoint == "https://bedrock-agentcore.eu-west-1.amazonaws.com")
        #expect(c.relay.heartbeatMs == 15_000 && c.relay.deadlineMarginMs == 2_000 && c.relay.idleTimeoutMs == 300_000)
        #expect(c.upstream.qualifier == "DEFAULT" && c.logLevel == .info)
        #expect(c.relay.statusFrames && c.relay.maxEventBytes == 10_485_760 && c.relay.stopSessionOnCutoff)
        #expect(c.responseMode == .stream && c.metricsNamespace == "AgentStream")
    }

    @Test func agentsMapAddsNamedAgents() throws {
        let c = try GatewayConfig(environment: [
            "AGENTCORE_RUNTIME_ARN": arn, "AGENTS": #"{"weather":{"mastra":"weatherAgent"},"ops":{"agentcore":"\#(arn)"}}"#,
        ])
        #expect(c.agents.map(\.name) == ["default", "ops", "weather"])
        #expect(c.agent(named: "weather") == AgentSpec(name: "weather", kind: "mastra", value: "weatherAgent", variable: "AGENTS"))
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
        (["AGENTS": #"{"m":{"mastra":"m"}}"#, "STATUS_FRAMES": "sometimes"], "STATUS_FRAMES"),
        (["AGENTS": #"{"m":{"mastra":"m"}}"#, "MAX_EVENT_BYTES": "-1"], "MAX_EVENT_BYTES"),
        (["AGENTS": #"{"m":{"mastra":"m"}}"#, "MAX_EVENT_BYTES": "99999999999999999999"], "MAX_EVENT_BYTES"),
        (["AGENTS": #"{"m":{"mastra":"m"}}"#, "STOP_SESSION_ON_CUTOFF": "maybe"], "STOP_SESSION_ON_CUTOFF"),
        (["AGENTS": #"{"m":{"mastra":"m"}}"#, "RESPONSE_MODE": "bogus"], "RESPONSE_MODE"),
        (["AGENTS": #"{"m":{"mastra":"m"}}"#, "METRICS_NAMESPACE": "bad namespace!"], "METRICS_NAMESPACE"),
        (["AGENTS": #"{"m":{"mastra":"m"}}"#, "METRICS_NAMESPACE": "AWS/Lambda"], "METRICS_NAMESPACE"),
        (["AGENTS": #"{"m":{"mastra":"m"}}"#, "AGENTCORE_QUALIFIER": "a b"], "AGENTCORE_QUALIFIER"),
    ])
    func invalidConfigNamesTheVariable(_ env: [String: String], _ variable: String) {
        do {
            _ = try Gateway(config: try GatewayConfig(environment: env))
            Issue.record("expected a ConfigError for \(variable)")
        } catch {
            #expect(error.variable == variable)
            #expect(error.description.hasPrefix(variable))
        }
    }

    @Test func metricsNamespaceCanBeTurnedOffAndModesRead() throws {
        let c = try GatewayConfig(environment: [
            "AGENTCORE_RUNTIME_ARN": arn, "METRICS_NAMESPACE": "", "RESPONSE_MODE": "buffered", "STATUS_FRAMES": "off",
            "MAX_EVENT_BYTES": "2048", "STOP_SESSION_ON_CUTOFF": "off",
        ])
        #expect(c.metricsNamespace == nil && c.responseMode == .buffered && !c.relay.statusFrames)
        #expect(c.relay.maxEventBytes == 2048 && !c.relay.stopSessionOnCutoff)
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
        #expect(AgentText.text(ofJSON: Array("\"hi\"".utf8)) == "hi")
        #expect(AgentText.text(ofJSON: Array(#"{"event":{"contentBlockDelta":{"delta":{"text":"tok"}}}}"#.utf8)) == "tok")
        #expect(AgentText.text(ofJSON: Array(#"{"other":1}"#.utf8)) == nil)
    }

    @Test func theEnvironmentIsSplitAtTheFirstEqualsByte() {
        // '=' followed by a combining mark is one Swift Character: a Character search for "=" skipped it and
        // split at a later '=' (or none), losing the variable.
        setenv("AGENTSTREAM_TEST_COMBINING", "\u{301}=x", 1)
        defer { unsetenv("AGENTSTREAM_TEST_COMBINING") }
        #expect(Environment.current()["AGENTSTREAM_TEST_COMBINING"] == "\u{301}=x")
    }
}
