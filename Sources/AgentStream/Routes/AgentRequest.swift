import TinyJSON

/// A validated request to run an agent, whichever public API it came through.
struct AgentRequest: Sendable {
    /// The configured agent to run.
    var agentName: String
    /// Text of the latest user turn.
    var prompt: String
    /// Chat history `[{role, content}]` (the streaming API), else nil.
    var messages: [JSONValue]?
    /// The conversation the client names (`session_id`, `threadId`), else nil for a new one.
    var sessionID: String?
    /// The client's run id, when given.
    var runID: String?
    /// The memory resource the client names, when given.
    var resourceID: String?
    /// Model options (`temperature`, `topP`, `maxSteps`, `maxRetries`), validated.
    var options: [String: JSONValue]
    /// Other fields for backends that pass the client's body to the agent as it is.
    var passthrough: [String: JSONValue]
}
