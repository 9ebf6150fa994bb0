import Primitives
import LambdaHTTP
import LambdaRuntime
import SigV4
import TinyJSON

/// The AgentStream handler: routes Function URL requests, validates them, calls the agent and
/// relays its output (DESIGN.md §3).
public struct Gateway: LambdaHandler {
    /// Largest accepted request body.
    public static let maxBodyBytes = 1 << 20

    let config: GatewayConfig
    let logger: Logger
    let upstreams: [String: any AgentUpstream]
    let relay: Relay
    let auth: Authenticator
    let credentials: CredentialStore?
    let health: HealthChecker

    /// A gateway for `config`; upstream clients are created once and reused across invocations.
    public init(config: GatewayConfig) {
        self.config = config
        logger = Logger(level: config.logLevel)
        relay = Relay(
            heartbeatMs: config.heartbeatMs, idleTimeoutMs: config.upstreamIdleTimeoutMs,
            deadlineMarginMs: config.deadlineMarginMs)
        var upstreams: [String: any AgentUpstream] = [:]
        for (name, target) in config.agents {
            switch target {
            case .agentCore(let arn):
                upstreams[name] = AgentCoreUpstream(
                    arn: arn, qualifier: config.qualifier, endpoint: config.agentCoreEndpoint, region: config.region,
                    credentials: { AWSCredentials.fromProcessEnvironment() })
            case .mastra(let agentID):
                upstreams[name] = MastraUpstream(baseURL: config.mastraURL, agentID: agentID)
            }
        }
        self.upstreams = upstreams
        auth = Authenticator(config: config.auth, logger: logger)
        credentials = config.credentialStore.map { CredentialStore(config: $0) }
        health = HealthChecker(agents: config.agents, upstreams: upstreams, agentCoreEndpoint: config.agentCoreEndpoint)
    }

    public func handle(event: [UInt8], context: LambdaContext, writer: any LambdaResponseWriter) async throws {
        let startNs = MonotonicClock.now.nanoseconds
        let request = try FunctionURLRequest(event: event)
        var stats = RelayStats()
        var fields: [String: JSONValue] = [
            "request_id": .string(context.requestID), "method": .string(request.method), "path": .string(request.rawPath),
        ]
        defer {
            fields["status"] = .number(Double(stats.status))
            fields["outcome"] = .string(stats.outcome)
            fields["frames"] = .number(Double(stats.frames))
            fields["bytes"] = .number(Double(stats.bytes))
            fields["duration_ms"] = .number(Double(Relay.elapsedMs(since: startNs)))
            if let v = stats.firstByteMs { fields["first_byte_ms"] = .number(Double(v)) }
            if let v = stats.firstChunkMs { fields["first_chunk_ms"] = .number(Double(v)) }
            logger.log(.info, "invocation", fields)
        }
        do {
            switch (request.method, request.rawPath) {
            case ("POST", "/"), ("POST", "/invoke"):
                let caller = try await authenticate(request, fields: &fields)
                try await invoke(request, caller: caller, context: context, writer: writer, startNs: startNs, stats: &stats, fields: &fields)
            case ("POST", "/api/streaming/stream"):
                let caller = try await authenticate(request, fields: &fields)
                try await stream(request, caller: caller, context: context, writer: writer, startNs: startNs, stats: &stats, fields: &fields)
            case ("GET", "/api/streaming/agents"), ("GET", "/agents"):
                _ = try await authenticate(request, fields: &fields)
                try await respondJSON(writer, status: 200, body: StreamingAPI.agentsBody(config.agents.map(\.name)))
            case ("GET", "/api/streaming/health"), ("GET", "/health"):
                // No auth: load balancers and uptime checks call it; it reveals only reachability.
                let report = await health.report()
                fields["health"] = report["status"] ?? .null
                try await respondJSON(writer, status: 200, body: report, headers: [("cache-control", "no-store")])
            case ("OPTIONS", _):
                // The Function URL's CORS config answers preflights; one that reaches us gets an empty 204.
                stats.status = 204
                try writer.writeHead(status: 204, headers: [])
            default:
                throw HTTPFailure.notFound("no route for \(request.method) \(request.rawPath)")
            }
        } catch let failure as HTTPFailure {
            stats.status = failure.status
            if stats.outcome == "complete" { stats.outcome = "http_\(failure.status)" }
            try await respondJSON(writer, status: failure.status, body: failure.body, headers: failure.headers)
        }
    }

    /// The caller, or a 401/503 failure; logs only the outcome, never the token.
    func authenticate(_ request: FunctionURLRequest, fields: inout [String: JSONValue]) async throws(HTTPFailure) -> Caller {
        do {
            let caller = try await auth.authenticate(request)
            if let user = caller.userID { fields["user_id"] = .string(user) }
            return caller
        } catch {
            if error.status == 401, let reason = error.body["message"] { fields["auth_error"] = reason }
            throw error
        }
    }

    /// Headers carrying the caller's AWS credentials to `target`, when the credentials store is on.
    func credentialHeaders(for caller: Caller, target: AgentTarget) async throws(HTTPFailure) -> [(String, String)] {
        guard let credentials, let user = caller.userID else { return [] }
        let creds = try await credentials.credentials(userID: user)
        switch target {
        case .agentCore: return creds.agentCoreHeaders(defaultRegion: config.region)
        case .mastra: return creds.mastraHeaders(defaultRegion: config.region)
        }
    }

    /// What the agent learns about the caller (Mastra's runtimeContext keys).
    static func requestContext(_ caller: Caller, _ request: FunctionURLRequest) -> [String: JSONValue] {
        [
            "user-id": .string(caller.userID ?? "anonymous"), "user-tier": .string(caller.tier),
            "language": .string(StreamingAPI.language(acceptLanguage: request.headers["accept-language"])),
            "is-authenticated": .bool(caller.isAuthenticated),
        ]
    }

    /// `POST /api/streaming/stream`: chat messages to a named agent, as SSE or plain text.
    func stream(
        _ request: FunctionURLRequest, caller: Caller, context: LambdaContext, writer: any LambdaResponseWriter, startNs: UInt64,
        stats: inout RelayStats, fields: inout [String: JSONValue]
    ) async throws {
        let body = try Self.jsonObjectBody(request)
        let req = try StreamingAPI.parse(body, target: config.target(named:))
        guard let upstream = upstreams[req.agentName], let target = config.target(named: req.agentName) else {
            throw HTTPFailure.notFound("unknown agent '\(req.agentName)'")
        }
        let sessionID = req.threadID ?? SessionID.generate()
        var extra = req.options
        if let t = req.threadID { extra["threadId"] = .string(t) }
        if let r = req.runID { extra["runId"] = .string(r) }
        // Memory is scoped by resource; the signed-in user is the natural one when the client names none.
        if let r = req.resourceID ?? caller.userID { extra["resourceId"] = .string(r) }
        let format: RelayFormat = StreamingAPI.wantsSSE(accept: request.headers["accept"]) ? .sse : .text
        fields["session_id"] = .string(sessionID)
        fields["agent"] = .string(req.agentName)
        fields["format"] = .string(format == .sse ? "sse" : "text")
        let headers = try await credentialHeaders(for: caller, target: target)
        var call = AgentCall(
            agentName: req.agentName, sessionID: sessionID, userID: caller.userID, traceID: context.traceID, prompt: req.prompt,
            messages: .array(req.messages), extra: extra, headers: headers)
        call.requestContext = Self.requestContext(caller, request)
        try await relay.run(
            call: call, upstream: upstream, format: format, context: context, writer: writer, startNs: startNs, stats: &stats)
    }

    /// `POST /` and `POST /invoke`: `{"prompt", "session_id"?, "agent"?}` streamed as SSE.
    func invoke(
        _ request: FunctionURLRequest, caller: Caller, context: LambdaContext, writer: any LambdaResponseWriter, startNs: UInt64,
        stats: inout RelayStats, fields: inout [String: JSONValue]
    ) async throws {
        let body = try Self.jsonObjectBody(request)
        var bad: [String] = []
        var problems: [String] = []
        let prompt = body["prompt"]?.stringValue
        if prompt == nil || prompt?.isEmpty == true {
            bad.append("prompt")
            problems.append(body["prompt"] == nil ? "prompt is required" : "prompt must be a non-empty string")
        }
        var sessionID = SessionID.generate()
        if let raw = body["session_id"], !raw.isNull {
            if let s = raw.stringValue, SessionID.isValid(s) {
                sessionID = s
            } else {
                bad.append("session_id")
                problems.append("session_id \(SessionID.rule)")
            }
        }
        var agentName = config.defaultAgent ?? ""
        if let raw = body["agent"], !raw.isNull {
            if let s = raw.stringValue, !s.isEmpty {
                agentName = s
            } else {
                bad.append("agent")
                problems.append("agent must be a non-empty string")
            }
        }
        guard bad.isEmpty, let prompt else {
            throw HTTPFailure.validation(problems.joined(separator: "; "), fields: bad)
        }
        guard let upstream = upstreams[agentName], let target = config.target(named: agentName) else {
            throw HTTPFailure.notFound("unknown agent '\(agentName)'; GET /api/streaming/agents lists the configured agents")
        }
        fields["session_id"] = .string(sessionID)
        fields["agent"] = .string(agentName)
        var extra = body
        for key in ["prompt", "session_id", "agent"] { extra[key] = nil }
        if case .mastra = target {
            // Mastra keeps conversation state by thread; a client-chosen session id names it.
            if body["session_id"]?.stringValue != nil { extra["threadId"] = .string(sessionID) }
            if extra["resourceId"] == nil, let user = caller.userID { extra["resourceId"] = .string(user) }
        }
        let headers = try await credentialHeaders(for: caller, target: target)
        var call = AgentCall(
            agentName: agentName, sessionID: sessionID, userID: caller.userID, traceID: context.traceID, prompt: prompt,
            extra: extra, headers: headers)
        call.requestContext = Self.requestContext(caller, request)
        try await relay.run(
            call: call, upstream: upstream, format: .sse, context: context, writer: writer, startNs: startNs, stats: &stats)
    }

    /// The request body as a JSON object, enforcing the size limit.
    static func jsonObjectBody(_ request: FunctionURLRequest) throws(HTTPFailure) -> [String: JSONValue] {
        guard request.body.count <= maxBodyBytes else { throw HTTPFailure.tooLarge(limit: maxBodyBytes) }
        guard !request.body.isEmpty else { throw HTTPFailure.validation("request body is empty; send a JSON object", fields: ["body"]) }
        let value: JSONValue
        do {
            value = try JSONValue.parse(request.body)
        } catch {
            throw HTTPFailure.validation("request body is not valid JSON: \(error.description)", fields: ["body"])
        }
        guard let object = value.objectValue else {
            throw HTTPFailure.validation("request body must be a JSON object, got \(value.kindName)", fields: ["body"])
        }
        return object
    }
}
