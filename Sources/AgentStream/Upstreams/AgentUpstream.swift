import CurlHTTP
import Primitives
import TinyJSON

/// An agent backend. Everything specific to one kind of backend — its request and response formats, its
/// session rules, how a user's own credentials reach it, how it is health-checked and stopped — lives behind
/// this protocol, in the kind's folder. A new kind is a new folder and one line in `UpstreamRegistry.kinds`.
public protocol AgentUpstream: Sendable {
    /// The key that selects this kind in `AGENTS` (`{"name":{"<kind>":"<value>"}}`).
    static var kind: String { get }

    /// One agent of this kind from its configured value; the error names `spec.variable`.
    init(spec: AgentSpec, settings: UpstreamSettings, client: CurlClient) throws(ConfigError)

    /// Why `id` cannot name a conversation with this backend (nil when it can). Shown in a 400.
    func sessionProblem(_ id: String) -> String?

    /// The conversation a call belongs to: the client's id (or a new one) and the id the backend sees. With
    /// authentication on, backends that do not bind sessions to users get an id derived from the caller too.
    func session(clientID: String?, caller: Caller) -> AgentSession

    /// Headers carrying a user's own AWS credentials to this backend (per-user credentials store).
    func credentialHeaders(_ credentials: UserAWSCredentials, defaultRegion: String) -> [(String, String)]

    /// Starts the call; returns once the backend accepted it (its response head arrived), or fails by `deadline`.
    func open(_ call: AgentCall, deadline: MonotonicClock.Instant, limits: UpstreamLimits) async throws(UpstreamError) -> any UpstreamStream

    /// Whether `stopSession` can stop the agent's work (AgentCore's StopRuntimeSession).
    var stopsSessions: Bool { get }

    /// Stops the agent's work on `session`, so an abandoned stream stops computing and billing.
    func stopSession(_ session: AgentSession, deadline: MonotonicClock.Instant) async throws(UpstreamError)

    /// How `/health` checks that this backend is reachable.
    var healthProbe: HealthProbe { get }
}

extension AgentUpstream {
    public var stopsSessions: Bool { false }

    public func stopSession(_ session: AgentSession, deadline: MonotonicClock.Instant) async throws(UpstreamError) {
        throw UpstreamError(
            httpStatus: 501, code: "NotSupported", message: "\(Self.kind) agents cannot be stopped from here", retryable: false)
    }
}

/// Limits an upstream enforces on what it reads.
public struct UpstreamLimits: Sendable {
    /// Largest single event (an SSE event, a data-stream line, a JSON answer).
    public var maxEventBytes: Int

    /// Limits with `maxEventBytes`.
    public init(maxEventBytes: Int) { self.maxEventBytes = maxEventBytes }
}

/// Which conversation a call belongs to.
public struct AgentSession: Sendable, Equatable {
    /// The id the client named (or was given in `metadata`); all the client ever sees.
    public var clientID: String
    /// The id sent to the backend.
    public var upstreamID: String
    /// True when the client named the conversation (continuing it), false for a fresh one.
    public var clientSupplied: Bool

    /// A session with the given ids.
    public init(clientID: String, upstreamID: String, clientSupplied: Bool) {
        self.clientID = clientID
        self.upstreamID = upstreamID
        self.clientSupplied = clientSupplied
    }
}

/// What the gateway asks of an agent, in neutral terms; each backend shapes its own request from it.
public struct AgentCall: Sendable {
    /// Configured agent name (for logs and frames).
    public var agentName: String
    /// The conversation.
    public var session: AgentSession
    /// Authenticated user id, when auth is on.
    public var userID: String?
    /// The Lambda invocation's X-Ray trace header, to propagate.
    public var traceID: String?
    /// The prompt text of the latest user turn.
    public var prompt: String
    /// Chat history `[{role, content}]`, when the client sent one.
    public var messages: JSONValue?
    /// The memory resource (the caller, when auth is on).
    public var resourceID: String?
    /// The client's run id, when given.
    public var runID: String?
    /// Model options the client set (`temperature`, `topP`, `maxSteps`, `maxRetries`).
    public var options: [String: JSONValue]
    /// Other fields of the client's body, for backends that pass them to the agent as they are.
    public var passthrough: [String: JSONValue]
    /// Headers for the upstream request (per-user credentials); values are secrets, never logged.
    public var headers: [(String, String)]
    /// Facts about the caller for the agent's context (`user-id`, `user-tier`, `language`, `is-authenticated`).
    public var requestContext: [String: JSONValue]

    /// A call with the given parts.
    public init(
        agentName: String, session: AgentSession, userID: String? = nil, traceID: String? = nil, prompt: String,
        messages: JSONValue? = nil, resourceID: String? = nil, runID: String? = nil, options: [String: JSONValue] = [:],
        passthrough: [String: JSONValue] = [:], headers: [(String, String)] = [], requestContext: [String: JSONValue] = [:]
    ) {
        self.agentName = agentName
        self.session = session
        self.userID = userID
        self.traceID = traceID
        self.prompt = prompt
        self.messages = messages
        self.resourceID = resourceID
        self.runID = runID
        self.options = options
        self.passthrough = passthrough
        self.headers = headers
        self.requestContext = requestContext
    }
}

/// One reachability check for `/health`.
public struct HealthProbe: Sendable {
    /// Probes with the same key run once for all agents that share them.
    public var key: String
    /// What is probed (shown in the health document).
    public var url: String
    /// nil when reachable, else the reason; must answer by the deadline.
    public var check: @Sendable (MonotonicClock.Instant) async -> String?

    /// A probe of `url`.
    public init(key: String, url: String, check: @escaping @Sendable (MonotonicClock.Instant) async -> String?) {
        self.key = key
        self.url = url
        self.check = check
    }
}
