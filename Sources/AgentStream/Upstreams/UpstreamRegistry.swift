import CurlHTTP

/// The kinds of agent backend AgentStream knows, and the agents built from the configuration.
enum UpstreamRegistry {
    /// Every kind; `AGENTS` entries name one by its `kind` key.
    static let kinds: [any AgentUpstream.Type] = [AgentCoreUpstream.self, MastraUpstream.self]

    /// One upstream per configured agent, created once and reused across invocations.
    static func build(_ config: GatewayConfig, client: CurlClient = .shared) throws(ConfigError) -> [String: any AgentUpstream] {
        var out: [String: any AgentUpstream] = [:]
        for spec in config.agents {
            guard let kind = kinds.first(where: { $0.kind == spec.kind }) else {
                throw ConfigError(spec.variable, "agent '\(spec.name)' has the unknown kind '\(spec.kind)'")
            }
            out[spec.name] = try kind.init(spec: spec, settings: config.upstream, client: client)
        }
        return out
    }
}
