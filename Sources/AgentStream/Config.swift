import TinyJSON

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A configuration problem found at start-up; the message names the variable.
public struct ConfigError: Error, CustomStringConvertible, Sendable {
    /// The environment variable at fault.
    public let variable: String
    /// What is wrong with it.
    public let problem: String

    /// An error about `variable`.
    public init(_ variable: String, _ problem: String) {
        self.variable = variable
        self.problem = problem
    }

    public var description: String { "\(variable): \(problem)" }
}

/// The process environment as a dictionary (read without Foundation).
public enum Environment {
    /// A snapshot of the current environment.
    public static func current() -> [String: String] {
        var out: [String: String] = [:]
        var p = environ
        while let entry = p.pointee {
            let s = String(cString: entry)
            if let eq = s.firstIndex(of: "=") {
                out[String(s[..<eq])] = String(s[s.index(after: eq)...])
            }
            p += 1
        }
        return out
    }
}

/// Where a named agent lives.
public enum AgentTarget: Sendable, Equatable {
    /// An Amazon Bedrock AgentCore runtime, by ARN.
    case agentCore(arn: String)
    /// A Mastra agent, by agent id on `MASTRA_AGENT_URL`.
    case mastra(agentID: String)
}

/// Log verbosity, lowest first.
public enum LogLevel: Int, Sendable, Comparable {
    case debug, info, warn, error

    public static func < (a: LogLevel, b: LogLevel) -> Bool { a.rawValue < b.rawValue }
}

/// Everything the gateway reads from the environment (DESIGN.md §5), validated once at start.
public struct GatewayConfig: Sendable {
    /// Agents by name, in a stable order (the default first).
    public var agents: [(name: String, target: AgentTarget)]
    /// Name used when a request names no agent.
    public var defaultAgent: String?
    /// AgentCore endpoint qualifier.
    public var qualifier: String
    /// AgentCore base URL (no trailing slash).
    public var agentCoreEndpoint: String
    /// Signing region for AgentCore.
    public var region: String
    /// Mastra server base URL (no trailing slash).
    public var mastraURL: String
    /// Silence before a heartbeat comment is sent.
    public var heartbeatMs: Int
    /// How long before the Lambda deadline the stream is ended with an error frame.
    public var deadlineMarginMs: Int
    /// Upstream silence after which the call is abandoned.
    public var upstreamIdleTimeoutMs: Int
    /// Log verbosity.
    public var logLevel: LogLevel
    /// The raw environment, for settings owned by other parts (auth, credentials store).
    public var environment: [String: String]
    /// `AUTH_MODE` and `JWT_*`.
    public var auth: AuthConfig
    /// Per-user AWS credentials store (`SUPABASE_*`, `CREDENTIALS_TABLE`); nil when off.
    public var credentialStore: CredentialStoreConfig?

    /// Reads and validates the configuration; the error names the offending variable.
    public init(environment env: [String: String]) throws(ConfigError) {
        environment = env
        qualifier = env["AGENTCORE_QUALIFIER"].nonEmpty ?? "DEFAULT"
        guard qualifier.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else {
            throw ConfigError("AGENTCORE_QUALIFIER", "must contain only letters, digits, '_' or '-'")
        }
        region = env["AWS_REGION"].nonEmpty ?? env["AWS_DEFAULT_REGION"].nonEmpty ?? ""
        var list: [(String, AgentTarget)] = []
        if let arn = env["AGENTCORE_RUNTIME_ARN"].nonEmpty {
            try Self.validateARN(arn, variable: "AGENTCORE_RUNTIME_ARN")
            list.append(("default", .agentCore(arn: arn)))
        }
        if let raw = env["AGENTS"].nonEmpty {
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
                guard Self.isValidAgentName(name) else {
                    throw ConfigError("AGENTS", "agent name '\(name)' must be 1-64 letters, digits, '_', '-' or '.'")
                }
                let spec = members[name]
                if let arn = spec?["agentcore"]?.stringValue {
                    try Self.validateARN(arn, variable: "AGENTS")
                    list.removeAll { $0.0 == name }
                    list.append((name, .agentCore(arn: arn)))
                } else if let id = spec?["mastra"]?.stringValue, !id.isEmpty {
                    list.removeAll { $0.0 == name }
                    list.append((name, .mastra(agentID: id)))
                } else {
                    throw ConfigError("AGENTS", #"agent '\#(name)' needs {"agentcore":"<arn>"} or {"mastra":"<agentId>"}"#)
                }
            }
        }
        guard !list.isEmpty else {
            throw ConfigError("AGENTCORE_RUNTIME_ARN", "is required unless AGENTS names at least one agent")
        }
        agents = list
        defaultAgent = list.first { $0.0 == "default" }?.0 ?? list.first?.0
        if region.isEmpty {
            // The region is part of every AgentCore ARN; use it when Lambda's variable is absent.
            for (_, target) in list {
                if case .agentCore(let arn) = target {
                    region = String(arn.split(separator: ":", omittingEmptySubsequences: false)[3])
                    break
                }
            }
        }
        if let endpoint = env["AGENTCORE_ENDPOINT"].nonEmpty {
            guard endpoint.hasPrefix("http://") || endpoint.hasPrefix("https://") else {
                throw ConfigError("AGENTCORE_ENDPOINT", "must be an http:// or https:// URL")
            }
            agentCoreEndpoint = endpoint.trimmingTrailingSlashes()
        } else {
            agentCoreEndpoint = "https://bedrock-agentcore.\(region).amazonaws.com"
        }
        let mastra = env["MASTRA_AGENT_URL"].nonEmpty ?? "http://localhost:4111"
        guard mastra.hasPrefix("http://") || mastra.hasPrefix("https://") else {
            throw ConfigError("MASTRA_AGENT_URL", "must be an http:// or https:// URL")
        }
        mastraURL = mastra.trimmingTrailingSlashes()
        heartbeatMs = try Self.milliseconds(env, "HEARTBEAT_MS", default: 15_000, range: 100...600_000)
        deadlineMarginMs = try Self.milliseconds(env, "DEADLINE_MARGIN_MS", default: 2_000, range: 0...600_000)
        upstreamIdleTimeoutMs = try Self.milliseconds(
            env, "UPSTREAM_IDLE_TIMEOUT_MS", default: 300_000, range: 100...900_000)
        switch env["LOG_LEVEL"].nonEmpty?.lowercased() ?? "info" {
        case "debug": logLevel = .debug
        case "info": logLevel = .info
        case "warn", "warning": logLevel = .warn
        case "error": logLevel = .error
        default: throw ConfigError("LOG_LEVEL", "must be one of debug, info, warn, error")
        }
        auth = try AuthConfig(environment: env)
        credentialStore = try CredentialStoreConfig.from(environment: env, authEnabled: auth.enabled)
    }

    /// The target of `name`, if configured.
    public func target(named name: String) -> AgentTarget? {
        agents.first { $0.name == name }?.target
    }

    static func isValidAgentName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64
            && name.unicodeScalars.allSatisfy { $0.isASCIIAlnum || $0 == "_" || $0 == "-" || $0 == "." }
    }

    static func validateARN(_ arn: String, variable: String) throws(ConfigError) {
        let parts = arn.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", parts[2] == "bedrock-agentcore", !parts[3].isEmpty,
            parts[5].hasPrefix("runtime/"), parts[5].count > "runtime/".count
        else {
            throw ConfigError(variable, "'\(arn)' is not an AgentCore runtime ARN (arn:aws:bedrock-agentcore:<region>:<account>:runtime/<id>)")
        }
    }

    static func milliseconds(_ env: [String: String], _ name: String, default value: Int, range: ClosedRange<Int>) throws(ConfigError) -> Int {
        guard let raw = env[name].nonEmpty else { return value }
        guard let v = Int(raw), range.contains(v) else {
            throw ConfigError(name, "must be an integer number of milliseconds in \(range.lowerBound)...\(range.upperBound), got '\(raw)'")
        }
        return v
    }
}

extension Optional where Wrapped == String {
    /// The value unless it is nil or empty.
    var nonEmpty: String? {
        guard let s = self, !s.isEmpty else { return nil }
        return s
    }
}

extension String {
    func trimmingTrailingSlashes() -> String {
        var s = self
        while s.hasSuffix("/") { s.removeLast() }
        return s
    }
}

extension Unicode.Scalar {
    var isASCIIAlnum: Bool {
        (value >= 48 && value <= 57) || (value >= 65 && value <= 90) || (value >= 97 && value <= 122)
    }
}
