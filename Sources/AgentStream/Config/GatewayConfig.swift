import TinyJSON

/// One entry of the agent registry as configured: a name, the kind of backend, and the kind's own value
/// (an AgentCore runtime ARN, a Mastra agent id).
public struct AgentSpec: Sendable, Equatable {
    /// Name clients use (`agent`, `agentName`).
    public var name: String
    /// Backend kind, a key of `AGENTS` entries (`agentcore`, `mastra`).
    public var kind: String
    /// The kind's value.
    public var value: String
    /// Which variable configured it, for error messages.
    public var variable: String
}

/// How the function's URL delivers answers.
public enum ResponseMode: String, Sendable {
    /// A RESPONSE_STREAM Function URL: the prelude, then frames as they are written.
    case stream
    /// A BUFFERED Function URL or API Gateway: one payload-2.0 result object holding the whole answer.
    case buffered
}

/// Everything the gateway reads from the environment, validated once at start.
public struct GatewayConfig: Sendable {
    /// Agents in a stable order (`default` first when configured).
    public var agents: [AgentSpec]
    /// Name used when a request names no agent.
    public var defaultAgent: String?
    /// Settings the upstream kinds read (endpoints, region, qualifier).
    public var upstream: UpstreamSettings
    /// Relay timing, limits and frames.
    public var relay: RelaySettings
    /// Streamed or buffered answers.
    public var responseMode: ResponseMode
    /// CloudWatch namespace of the per-invocation metrics; nil when metrics are off.
    public var metricsNamespace: String?
    /// Log verbosity.
    public var logLevel: LogLevel
    /// `AUTH_MODE` and `JWT_*`.
    public var auth: AuthConfig
    /// Per-user AWS credentials store (`SUPABASE_*`, `CREDENTIALS_TABLE`); nil when off.
    public var credentialStore: CredentialStoreConfig?

    /// Reads and validates the configuration; the error names the offending variable.
    public init(environment env: [String: String]) throws(ConfigError) {
        let reader = EnvironmentReader(env: env)
        agents = try Self.agents(reader)
        defaultAgent = agents.first { $0.name == "default" }?.name ?? agents.first?.name
        upstream = try UpstreamSettings(reader)
        relay = try RelaySettings(reader)
        switch reader.string("RESPONSE_MODE")?.lowercased() ?? "stream" {
        case "stream": responseMode = .stream
        case "buffered": responseMode = .buffered
        case let other: throw ConfigError("RESPONSE_MODE", "must be 'stream' or 'buffered', got '\(other)'")
        }
        metricsNamespace = try Self.metricsNamespace(env["METRICS_NAMESPACE"])
        switch reader.string("LOG_LEVEL")?.lowercased() ?? "info" {
        case "debug": logLevel = .debug
        case "info": logLevel = .info
        case "warn", "warning": logLevel = .warn
        case "error": logLevel = .error
        default: throw ConfigError("LOG_LEVEL", "must be one of debug, info, warn, error")
        }
        auth = try AuthConfig(environment: env)
        credentialStore = try CredentialStoreConfig.from(environment: env, authEnabled: auth.enabled)
    }

    /// The configured agent called `name`.
    public func agent(named name: String) -> AgentSpec? {
        agents.first { $0.name == name }
    }

    /// `AGENTCORE_RUNTIME_ARN` (agent `default`) and the `AGENTS` map, later entries replacing earlier ones.
    static func agents(_ reader: EnvironmentReader) throws(ConfigError) -> [AgentSpec] {
        var list: [AgentSpec] = []
        if let arn = reader.string("AGENTCORE_RUNTIME_ARN") {
            list.append(AgentSpec(name: "default", kind: "agentcore", value: arn, variable: "AGENTCORE_RUNTIME_ARN"))
        }
        let kinds = UpstreamRegistry.kinds.map { $0.kind }
        if let raw = reader.string("AGENTS") {
            let doc: JSONValue
            do {
                doc = try JSONValue.parse(raw)
            } catch {
                throw ConfigError("AGENTS", "is not valid JSON (\(error.description))")
            }
            guard let members = doc.objectValue else {
                throw ConfigError("AGENTS", #"must be a JSON object like {"name":{"agentcore":"<arn>"}}"#)
            }
            for name in members.keys.sorted() {
                guard isValidAgentName(name) else {
                    throw ConfigError("AGENTS", "agent name '\(name)' must be 1-64 letters, digits, '_', '-' or '.'")
                }
                let spec = members[name]?.objectValue ?? [:]
                guard spec.count == 1, let (kind, value) = spec.first, kinds.contains(kind), let text = value.stringValue, !text.isEmpty else {
                    let shapes = kinds.map { #"{"\#($0)":"<value>"}"# }.joined(separator: " or ")
                    throw ConfigError("AGENTS", "agent '\(name)' needs exactly one of \(shapes)")
                }
                list.removeAll { $0.name == name }
                list.append(AgentSpec(name: name, kind: kind, value: text, variable: "AGENTS"))
            }
        }
        guard !list.isEmpty else {
            throw ConfigError("AGENTCORE_RUNTIME_ARN", "is required unless AGENTS names at least one agent")
        }
        return list
    }

    static func isValidAgentName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64
            && name.unicodeScalars.allSatisfy { $0.isASCIIAlnum || $0 == "_" || $0 == "-" || $0 == "." }
    }

    /// CloudWatch accepts namespaces of 1-255 ASCII letters, digits and `.-_/#:` (not starting with `AWS/`);
    /// an empty value turns metrics off.
    static func metricsNamespace(_ raw: String?) throws(ConfigError) -> String? {
        guard let raw else { return "AgentStream" }
        if raw.isEmpty { return nil }
        let allowed = raw.unicodeScalars.allSatisfy { $0.isASCIIAlnum || ".-_/#: ".unicodeScalars.contains($0) }
        guard raw.utf8.count <= 255, allowed, !raw.hasPrefix("AWS/"), raw.first != " " else {
            throw ConfigError(
                "METRICS_NAMESPACE",
                "must be 1-255 characters of letters, digits and . - _ / # : (and not start with AWS/), got '\(raw)'")
        }
        return raw
    }
}

/// Settings the upstream kinds share: where AgentCore and Mastra are, and how to sign.
public struct UpstreamSettings: Sendable {
    /// `AWS_REGION` (or `AWS_DEFAULT_REGION`); empty when unset (each ARN then names its own region).
    public var region: String
    /// `AGENTCORE_QUALIFIER`.
    public var qualifier: String
    /// `AGENTCORE_ENDPOINT`, when set (local demo, tests).
    public var agentCoreEndpoint: String?
    /// `MASTRA_AGENT_URL`.
    public var mastraURL: String

    init(_ reader: EnvironmentReader) throws(ConfigError) {
        region = reader.string("AWS_REGION") ?? reader.string("AWS_DEFAULT_REGION") ?? ""
        qualifier = reader.string("AGENTCORE_QUALIFIER") ?? "DEFAULT"
        guard qualifier.utf8.count <= 64, qualifier.unicodeScalars.allSatisfy({ $0.isASCIIAlnum || $0 == "_" || $0 == "-" }) else {
            throw ConfigError("AGENTCORE_QUALIFIER", "must be at most 64 letters, digits, '_' or '-'")
        }
        agentCoreEndpoint = try reader.url("AGENTCORE_ENDPOINT", default: nil)
        mastraURL = try reader.url("MASTRA_AGENT_URL", default: "http://localhost:4111") ?? "http://localhost:4111"
    }
}

/// How a stream is relayed: timing, limits, frames.
public struct RelaySettings: Sendable {
    /// Silence before a heartbeat (`waiting` status frame, or a comment).
    public var heartbeatMs: Int
    /// How long before the Lambda deadline the stream is ended with an error frame.
    public var deadlineMarginMs: Int
    /// Upstream silence after which the call is abandoned.
    public var idleTimeoutMs: Int
    /// `status` frames on (`STATUS_FRAMES`), else comment heartbeats only.
    public var statusFrames: Bool
    /// Largest upstream event relayed (`MAX_EVENT_BYTES`).
    public var maxEventBytes: Int
    /// Largest response body (`MAX_RESPONSE_BYTES`; Lambda cuts streams at 200 MB, buffered answers at 6 MB).
    public var maxResponseBytes: Int
    /// StopRuntimeSession when AgentStream ends a stream early (`STOP_SESSION_ON_CUTOFF`).
    public var stopSessionOnCutoff: Bool

    /// Lambda's streamed response cap, in bytes.
    public static let streamedResponseCap = 200 * 1_000_000
    /// Lambda's buffered (synchronous) response cap, in bytes, less room for the result object's envelope.
    public static let bufferedResponseCap = 6 * 1_000_000 - 64 * 1024

    /// Settings with the documented defaults.
    public init(
        heartbeatMs: Int = 15_000, deadlineMarginMs: Int = 2_000, idleTimeoutMs: Int = 300_000, statusFrames: Bool = true,
        maxEventBytes: Int = 10 << 20, maxResponseBytes: Int = streamedResponseCap, stopSessionOnCutoff: Bool = true
    ) {
        self.heartbeatMs = heartbeatMs
        self.deadlineMarginMs = deadlineMarginMs
        self.idleTimeoutMs = idleTimeoutMs
        self.statusFrames = statusFrames
        self.maxEventBytes = maxEventBytes
        self.maxResponseBytes = maxResponseBytes
        self.stopSessionOnCutoff = stopSessionOnCutoff
    }

    init(_ reader: EnvironmentReader) throws(ConfigError) {
        self.init(
            heartbeatMs: try reader.milliseconds("HEARTBEAT_MS", default: 15_000, range: 100...600_000),
            deadlineMarginMs: try reader.milliseconds("DEADLINE_MARGIN_MS", default: 2_000, range: 0...600_000),
            idleTimeoutMs: try reader.milliseconds("UPSTREAM_IDLE_TIMEOUT_MS", default: 300_000, range: 100...900_000),
            statusFrames: try reader.flag("STATUS_FRAMES", default: true),
            maxEventBytes: try reader.integer("MAX_EVENT_BYTES", default: 10 << 20, range: 1024...(64 << 20), unit: "bytes"),
            maxResponseBytes: try reader.integer(
                "MAX_RESPONSE_BYTES", default: Self.streamedResponseCap, range: 64 * 1024...Self.streamedResponseCap, unit: "bytes"),
            stopSessionOnCutoff: try reader.flag("STOP_SESSION_ON_CUTOFF", default: true))
    }
}
