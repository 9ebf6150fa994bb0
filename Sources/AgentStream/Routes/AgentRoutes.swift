import LambdaHTTP
import LambdaRuntime
import Primitives
import TinyJSON

extension Gateway {
    /// Runs a validated agent request: session and resource ownership, per-user credentials, then the relay.
    func runAgent(
        _ req: AgentRequest, format: StreamFormat, caller: Caller, request: FunctionURLRequest, context: LambdaContext,
        sink: ResponseSink
    ) async throws {
        guard let upstream = upstreams[req.agentName] else {
            throw HTTPFailure.notFound("unknown agent '\(req.agentName)'; GET /api/streaming/agents lists the configured agents")
        }
        let resource = try Self.resource(requested: req.resourceID, caller: caller)
        let session = upstream.session(clientID: req.sessionID, caller: caller)
        sink.log.agent = req.agentName
        sink.log.sessionID = session.clientID
        // The id the backend saw (derived from the caller when auth is on): what an operator looks up there.
        if session.upstreamID != session.clientID { sink.log.extra["upstream_session_id"] = .string(session.upstreamID) }
        var passthrough = req.passthrough
        if let resource, req.resourceID != nil || req.messages != nil { passthrough["resourceId"] = .string(resource) }
        let call = AgentCall(
            agentName: req.agentName, session: session, userID: caller.userID, traceID: context.traceID, prompt: req.prompt,
            messages: req.messages.map { .array($0) }, resourceID: resource, runID: req.runID, options: req.options,
            passthrough: passthrough, headers: try await credentialHeaders(for: caller, upstream: upstream),
            requestContext: Self.requestContext(caller, request))
        try await relay.run(call, upstream: upstream, format: format, context: context, sink: sink)
    }

    /// The memory resource of a call. With auth on it is the caller, and naming anyone else's is refused; with
    /// auth off the client's value stands.
    static func resource(requested: String?, caller: Caller) throws(HTTPFailure) -> String? {
        guard let user = caller.userID else { return requested }
        if let requested, requested != user {
            throw HTTPFailure.forbidden("resourceId names another user's memory; omit it or send your own user id")
        }
        return user
    }

    /// Headers carrying the caller's AWS credentials to `upstream`, when the credentials store is on.
    func credentialHeaders(for caller: Caller, upstream: any AgentUpstream) async throws(HTTPFailure) -> [(String, String)] {
        guard let credentials, let user = caller.userID else { return [] }
        let creds = try await credentials.credentials(userID: user)
        return upstream.credentialHeaders(creds, defaultRegion: config.upstream.region)
    }

    /// What the agent learns about the caller (Mastra's runtimeContext keys).
    static func requestContext(_ caller: Caller, _ request: FunctionURLRequest) -> [String: JSONValue] {
        [
            "user-id": .string(caller.userID ?? "anonymous"), "user-tier": .string(caller.tier),
            "language": .string(StreamRequest.language(acceptLanguage: request.headers["accept-language"])),
            "is-authenticated": .bool(caller.isAuthenticated),
        ]
    }
}
