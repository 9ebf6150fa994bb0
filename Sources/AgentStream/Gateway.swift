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
            case .mastra:
                break  // wired in by the Mastra upstream
            }
        }
        self.upstreams = upstreams
    }

    public func handle(event: [UInt8], context: LambdaContext, writer: LambdaResponseWriter) async throws {
        let startNs = Clock.monotonicNs()
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
                try await invoke(request, context: context, writer: writer, startNs: startNs, stats: &stats, fields: &fields)
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

    /// `POST /` and `POST /invoke`: `{"prompt", "session_id"?, "agent"?}` streamed as SSE.
    func invoke(
        _ request: FunctionURLRequest, context: LambdaContext, writer: LambdaResponseWriter, startNs: UInt64,
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
        guard let upstream = upstreams[agentName] else {
            throw HTTPFailure.notFound("unknown agent '\(agentName)'; GET /api/streaming/agents lists the configured agents")
        }
        fields["session_id"] = .string(sessionID)
        fields["agent"] = .string(agentName)
        var extra = body
        for key in ["prompt", "session_id", "agent"] { extra[key] = nil }
        let call = AgentCall(
            agentName: agentName, sessionID: sessionID, traceID: context.traceID, prompt: prompt, extra: extra)
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
