import TinyJSON

/// `POST /` and `POST /invoke`: `{"prompt", "session_id"?, "agent"?}` plus fields passed to the agent.
package enum InvokeRequest {
    /// Validates `body`, naming every bad field in one 400; an unknown agent is a 404 once the rest is valid.
    package static func parse(
        _ body: [String: JSONValue], defaultAgent: String?, upstream: (String) -> (any AgentUpstream)?
    ) throws(HTTPFailure) -> AgentRequest {
        var problems = ValidationProblems()
        let prompt = body["prompt"]?.stringValue
        if prompt == nil || prompt?.isEmpty == true {
            problems.reject("prompt", body["prompt"] == nil ? "is required" : "must be a non-empty string")
        }
        var agentName = defaultAgent ?? ""
        if let raw = body.present("agent") {
            if let s = raw.stringValue, !s.isEmpty { agentName = s } else { problems.reject("agent", "must be a non-empty string") }
        }
        let target = upstream(agentName)
        var sessionID: String?
        if let raw = body.present("session_id") {
            if let s = raw.stringValue {
                if let problem = target?.sessionProblem(s) { problems.reject("session_id", problem) } else { sessionID = s }
            } else {
                problems.reject("session_id", "must be a string")
            }
        }
        var resourceID: String?
        if let raw = body.present("resourceId") {
            if let s = raw.stringValue, isPrintableID(s) { resourceID = s } else { problems.reject("resourceId", "must be a string of 1-256 printable characters") }
        }
        try problems.check()
        guard target != nil, let prompt else {
            throw HTTPFailure.notFound("unknown agent '\(agentName)'; GET /api/streaming/agents lists the configured agents")
        }
        var passthrough = body
        for key in ["prompt", "session_id", "agent"] { passthrough[key] = nil }
        return AgentRequest(
            agentName: agentName, prompt: prompt, messages: nil, sessionID: sessionID, runID: nil, resourceID: resourceID,
            options: [:], passthrough: passthrough)
    }
}
