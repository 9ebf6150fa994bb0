import LambdaHTTP
import LambdaRuntime
import Primitives
import TinyJSON

extension Gateway {
    /// `POST /api/streaming/cancel` `{"session_id", "agent"?}` (or `threadId`/`agentName`): stops the agent's work
    /// on the caller's session — StopRuntimeSession for AgentCore — so an abandoned stream stops computing and
    /// billing. 202 when the stop was accepted; 404 for an unknown agent or no running session; 501 for a
    /// backend that cannot be stopped.
    func cancel(_ request: FunctionURLRequest, caller: Caller, context: LambdaContext, sink: ResponseSink) async throws {
        let body = try RequestBody.jsonObject(request)
        var problems = ValidationProblems()
        var agentName = config.defaultAgent ?? ""
        let agentField = body.present("agent") != nil ? "agent" : "agentName"
        if let raw = body.present(agentField) {
            if let s = raw.stringValue, !s.isEmpty { agentName = s } else { problems.reject(agentField, "must be a non-empty string") }
        }
        let upstream = upstreams[agentName]
        let sessionField = body.present("session_id") != nil || body.present("threadId") == nil ? "session_id" : "threadId"
        var sessionID = ""
        if let raw = body.present(sessionField) {
            if let s = raw.stringValue {
                if let problem = upstream?.sessionProblem(s) { problems.reject(sessionField, problem) } else { sessionID = s }
            } else {
                problems.reject(sessionField, "must be a string")
            }
        } else {
            problems.reject(sessionField, "is required")
        }
        try problems.check()
        guard let upstream else {
            throw HTTPFailure.notFound("unknown agent '\(agentName)'; GET /api/streaming/agents lists the configured agents")
        }
        sink.log.agent = agentName
        sink.log.sessionID = sessionID
        guard upstream.stopsSessions else {
            throw HTTPFailure.notImplemented(
                "agent '\(agentName)' runs on \(type(of: upstream).kind), which has no way to stop a running call; aborting the request closes its connection")
        }
        // The same derivation as the call itself: a caller can only ever stop their own session.
        let session = upstream.session(clientID: sessionID, caller: caller)
        if session.upstreamID != sessionID { sink.log.extra["upstream_session_id"] = .string(session.upstreamID) }
        let remaining = max(500, min(5_000, context.remainingTimeMs - Int64(config.relay.deadlineMarginMs)))
        do {
            try await upstream.stopSession(session, deadline: MonotonicClock.now.advanced(byMilliseconds: remaining))
        } catch {
            if error.upstreamStatus == 404 {
                throw HTTPFailure.notFound("no running session '\(sessionID)' for agent '\(agentName)'")
            }
            throw HTTPFailure.upstream(error)
        }
        try await sink.respond(status: 202, json: ["status": "stopping", "session_id": .string(sessionID)])
    }
}
