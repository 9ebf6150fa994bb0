import TinyJSON

/// A validated request to run an agent, whichever public API it came through.
package struct AgentRequest: Sendable {
    /// The configured agent to run.
    package var agentName: String
    /// Text of the latest user turn.
    package var prompt: String
    /// Chat history `[{role, content}]` (the streaming API), else nil.
    package var messages: [JSONValue]?
    /// The conversation the client names (`session_id`, `threadId`), else nil for a new one.
    package var sessionID: String?
    /// The client's run id, when given.
    package var runID: String?
    /// The memory resource the client names, when given.
    package var resourceID: String?
    /// Model options (`temperature`, `topP`, `maxSteps`, `maxRetries`), validated.
    package var options: [String: JSONValue]
    /// Other fields for backends that pass the client's body to the agent as it is.
    package var passthrough: [String: JSONValue]
}
