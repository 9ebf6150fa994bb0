import Primitives
import CurlHTTP
import LambdaRuntime
import SigV4
import TinyJSON

/// `GET /api/streaming/health`: liveness plus one reachability check per upstream, run concurrently
/// with a short timeout so the endpoint answers within about `timeoutMs` however many agents there are.
///
/// AgentCore is checked by reachability of its endpoint (DNS, TCP, TLS, any HTTP answer), not by a signed
/// InvokeAgentRuntime: there is no side-effect-free data-plane call — an invocation starts (and bills) a
/// session of the agent, and an unauthenticated health probe must not be able to do that. Mastra is checked
/// with `GET /api/agents`, which must list the configured agent id.
struct HealthChecker: Sendable {
    struct Target: Sendable {
        let name: String
        let url: String
        /// Targets with the same key share one probe.
        let key: String
        let check: @Sendable (Int) async -> String?
    }

    let targets: [Target]
    let timeoutMs: Int

    init(agents: [(name: String, target: AgentTarget)], upstreams: [String: any AgentUpstream], agentCoreEndpoint: String,
         timeoutMs: Int = 2000, client: CurlClient = .shared)
    {
        self.timeoutMs = timeoutMs
        var targets: [Target] = []
        for (name, target) in agents {
            switch target {
            case .agentCore:
                targets.append(Target(name: name, url: agentCoreEndpoint, key: "agentcore " + agentCoreEndpoint) { ms in
                    await Self.endpointProblem(agentCoreEndpoint, timeoutMs: ms, client: client)
                })
            case .mastra:
                guard let mastra = upstreams[name] as? MastraUpstream else { continue }
                targets.append(Target(name: name, url: mastra.baseURL, key: "mastra " + name) { ms in await mastra.healthProblem(timeoutMs: ms) })
            }
        }
        self.targets = targets
    }

    /// nil when `url` answers HTTP at all (any status proves DNS, TCP and TLS work), else the reason.
    static func endpointProblem(_ url: String, timeoutMs: Int, client: CurlClient) async -> String? {
        let request = CurlRequest(
            method: "GET", url: url + "/", headers: ["User-Agent": "agentstream/1.0"], connectTimeoutMs: timeoutMs, timeoutMs: timeoutMs)
        do {
            _ = try await client.fetch(request, limit: 64 * 1024)
            return nil
        } catch {
            return error.kind == .timeout ? "no answer within \(timeoutMs) ms" : "unreachable: \(error.message)"
        }
    }

    /// The health document; `status` is `healthy` only when every upstream is connected.
    func report() async -> JSONValue {
        // Endpoints shared by several agents are probed once.
        var unique: [String: Target] = [:]
        for t in targets where unique[t.key] == nil { unique[t.key] = t }
        let ms = timeoutMs
        let results = await withTaskGroup(of: (String, String?, Int64).self) { group in
            for t in unique.values {
                group.addTask { (t.key, await t.check(ms), WallClock.epochMs()) }
            }
            var out: [String: (String?, Int64)] = [:]
            for await (name, problem, at) in group { out[name] = (problem, at) }
            return out
        }
        var agents: [String: JSONValue] = [:]
        var healthy = true
        for t in targets {
            let (problem, at) = results[t.key] ?? ("not checked", WallClock.epochMs())
            var entry: [String: JSONValue] = [
                "status": .string(problem == nil ? "connected" : "unreachable"), "url": .string(t.url),
                "lastCheck": .string(AWSDate.iso8601(epochMs: at)),
            ]
            if let problem {
                healthy = false
                entry["error"] = .string(problem)
            }
            agents[t.name] = .object(entry)
        }
        return [
            "status": .string(healthy ? "healthy" : "degraded"), "service": "agentstream",
            "timestamp": .string(AWSDate.iso8601(epochMs: WallClock.epochMs())), "agents": .object(agents),
        ]
    }
}
