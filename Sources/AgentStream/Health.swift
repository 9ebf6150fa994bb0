import CurlHTTP
import LambdaRuntime
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
         timeoutMs: Int = 2000, client: HTTPClient = .shared)
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
    static func endpointProblem(_ url: String, timeoutMs: Int, client: HTTPClient) async -> String? {
        let request = HTTPRequest(
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
                group.addTask { (t.key, await t.check(ms), Clock.epochMs()) }
            }
            var out: [String: (String?, Int64)] = [:]
            for await (name, problem, at) in group { out[name] = (problem, at) }
            return out
        }
        var agents: [String: JSONValue] = [:]
        var healthy = true
        for t in targets {
            let (problem, at) = results[t.key] ?? ("not checked", Clock.epochMs())
            var entry: [String: JSONValue] = [
                "status": .string(problem == nil ? "connected" : "unreachable"), "url": .string(t.url),
                "lastCheck": .string(ISOTime.format(epochMs: at)),
            ]
            if let problem {
                healthy = false
                entry["error"] = .string(problem)
            }
            agents[t.name] = .object(entry)
        }
        return [
            "status": .string(healthy ? "healthy" : "degraded"), "service": "agentstream",
            "timestamp": .string(ISOTime.format(epochMs: Clock.epochMs())), "agents": .object(agents),
        ]
    }
}

/// ISO 8601 UTC timestamps with milliseconds, formatted by hand (no Foundation in bootstrap).
enum ISOTime {
    static func format(epochMs: Int64) -> String {
        let ms = Int(((epochMs % 1000) + 1000) % 1000)
        let secs = (epochMs - Int64(ms)) / 1000
        var days = secs / 86_400
        var rem = secs % 86_400
        if rem < 0 {
            rem += 86_400
            days -= 1
        }
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        func pad(_ v: Int64, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(rem / 3600, 2)):\(pad(rem % 3600 / 60, 2)):\(pad(rem % 60, 2)).\(pad(Int64(ms), 3))Z"
    }
}
