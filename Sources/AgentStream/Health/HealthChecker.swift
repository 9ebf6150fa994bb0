import Primitives
import TinyJSON

/// `GET /api/streaming/health`: liveness plus one reachability probe per backend (each upstream kind says how
/// it is probed), run concurrently with a short deadline so the endpoint answers in about `timeoutMs` however
/// many agents there are. Probes shared by several agents run once.
struct HealthChecker: Sendable {
    struct Target: Sendable {
        let name: String
        let probe: HealthProbe
    }

    let targets: [Target]
    let timeoutMs: Int

    init(agents: [AgentSpec], upstreams: [String: any AgentUpstream], timeoutMs: Int = 2000) {
        self.timeoutMs = timeoutMs
        targets = agents.compactMap { spec in upstreams[spec.name].map { Target(name: spec.name, probe: $0.healthProbe) } }
    }

    /// The health document; `status` is `healthy` only when every backend is reachable.
    func report() async -> JSONValue {
        var unique: [String: HealthProbe] = [:]
        for t in targets where unique[t.probe.key] == nil { unique[t.probe.key] = t.probe }
        let deadline = MonotonicClock.now.advanced(byMilliseconds: Int64(timeoutMs))
        let results = await withTaskGroup(of: (String, String?, Int64).self) { group in
            for (key, probe) in unique {
                group.addTask { (key, await probe.check(deadline), WallClock.epochMs()) }
            }
            var out: [String: (String?, Int64)] = [:]
            for await (key, problem, at) in group { out[key] = (problem, at) }
            return out
        }
        var agents: [String: JSONValue] = [:]
        var healthy = true
        for t in targets {
            let (problem, at) = results[t.probe.key] ?? ("not checked", WallClock.epochMs())
            var entry: [String: JSONValue] = [
                "status": .string(problem == nil ? "connected" : "unreachable"), "url": .string(t.probe.url),
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
