import CurlHTTP
import Primitives
import TinyJSON

/// A Mastra agent server: `POST {MASTRA_AGENT_URL}/api/agents/{id}/stream`.
///
/// The request body carries both generations' spellings, since each ignores the other's keys (0.x passes
/// unknown keys to `agent.stream` options, 1.x's body schema is passthrough and reads only its own):
/// 0.x `threadId`/`resourceId`/`runtimeContext`/`temperature`/`topP`/`maxRetries`, and 1.x
/// `memory:{thread,resource}`/`requestContext`/`modelSettings`. The response format is sniffed from the
/// first bytes (`MastraStreamParser`), never taken from the Content-Type, which varies across versions.
public struct MastraUpstream: AgentUpstream {
    public static let kind = "mastra"

    /// Server base URL, no trailing slash.
    public let baseURL: String
    /// The agent's id on that server (a key of `GET /api/agents`).
    public let agentID: String
    let client: CurlClient

    public init(spec: AgentSpec, settings: UpstreamSettings, client: CurlClient) throws(ConfigError) {
        self.init(baseURL: settings.mastraURL, agentID: spec.value, client: client)
    }

    /// An upstream for one Mastra agent.
    public init(baseURL: String, agentID: String, client: CurlClient = .shared) {
        self.baseURL = baseURL
        self.agentID = agentID
        self.client = client
    }

    /// `{base}/api/agents/{id}/stream`, the id percent-encoded as one path segment.
    public var streamURL: String { baseURL + "/api/agents/" + PercentEncoding.encode(agentID) + "/stream" }

    // MARK: sessions

    /// Mastra names conversations by thread; any printable id works.
    public func sessionProblem(_ id: String) -> String? {
        isPrintableID(id) ? nil : "must be a string of 1-256 printable characters"
    }

    /// Mastra binds a thread to its memory resource, which is the caller when auth is on, so the thread id
    /// is used as the client gave it.
    public func session(clientID: String?, caller: Caller) -> AgentSession {
        let id = clientID ?? SessionID.generate()
        return AgentSession(clientID: id, upstreamID: id, clientSupplied: clientID != nil)
    }

    /// The seed's middleware reads `X-AWS-*` headers.
    public func credentialHeaders(_ c: UserAWSCredentials, defaultRegion: String) -> [(String, String)] {
        var h = [("X-AWS-Access-Key-ID", c.accessKeyID), ("X-AWS-Secret-Access-Key", c.secretAccessKey)]
        if let t = c.sessionToken { h.append(("X-AWS-Session-Token", t)) }
        if let r = c.region ?? defaultRegion.nonEmpty { h.append(("X-AWS-Region", r)) }
        return h
    }

    // MARK: streaming

    /// Option keys forwarded; anything else a client sends is not, so a caller cannot override the agent's
    /// instructions, tools or model.
    static let modelOptions = ["maxSteps", "maxRetries", "temperature", "topP"]

    /// The JSON body for `call`.
    static func body(for call: AgentCall) -> [UInt8] {
        var b: [String: JSONValue] = [:]
        b["messages"] = call.messages ?? [["role": "user", "content": .string(call.prompt)]]
        let context = JSONValue.object(call.requestContext)
        b["runtimeContext"] = context
        b["requestContext"] = context
        // A thread only when the client names the conversation: a fresh one needs no memory thread.
        let thread = call.session.clientSupplied ? call.session.upstreamID : nil
        if let thread { b["threadId"] = .string(thread) }
        if let resource = call.resourceID { b["resourceId"] = .string(resource) }
        if let thread, let resource = call.resourceID { b["memory"] = ["thread": .string(thread), "resource": .string(resource)] }
        if let run = call.runID { b["runId"] = .string(run) }
        var settings: [String: JSONValue] = [:]
        for key in modelOptions {
            guard let v = call.options[key] else { continue }
            b[key] = v
            if key != "maxSteps" { settings[key] = v }
        }
        if !settings.isEmpty { b["modelSettings"] = .object(settings) }
        return JSONValue.object(b).serialized()
    }

    public func open(_ call: AgentCall, deadline: MonotonicClock.Instant, limits: UpstreamLimits) async throws(UpstreamError) -> any UpstreamStream {
        var headers: HeaderFields = [
            "Content-Type": "application/json",
            "Accept": "text/event-stream, text/plain;q=0.9, */*;q=0.5",
            "User-Agent": "agentstream/1.0",
        ]
        if let trace = call.traceID, let parent = TraceContext.traceparent(fromXRay: trace) { headers.add("traceparent", parent) }
        for (name, value) in call.headers { headers.add(name, value) }
        let request = CurlRequest(
            method: "POST", url: streamURL, headers: headers, body: .bytes(Self.body(for: call)), connectTimeoutMs: 5000,
            headDeadline: deadline)
        let head: CurlResponseHead
        let transfer: CurlTransfer
        do {
            (head, transfer) = try await client.execute(request)
        } catch {
            throw UpstreamError.transport(error, upstream: "Mastra")
        }
        guard head.status == 200 else {
            let bytes = (try? await transfer.collectBody(limit: 64 * 1024)) ?? []
            throw MastraErrors.map(status: head.status, body: bytes, agentID: agentID)
        }
        return DecodingUpstreamStream(
            transfer: transfer, upstreamName: "Mastra", decoder: MastraStreamParser(maxEventBytes: limits.maxEventBytes))
    }

    // MARK: health

    /// `GET /api/agents` answers a JSON object keyed by agent id, and this agent's id must be among its keys.
    public var healthProbe: HealthProbe {
        let url = baseURL
        let agentID = agentID
        let client = client
        return HealthProbe(key: "mastra " + url + " " + agentID, url: url) { deadline in
            // The whole probe, body included, must end by the deadline: /health answers in about 2 s.
            let request = CurlRequest(
                method: "GET", url: url + "/api/agents", headers: ["Accept": "application/json", "User-Agent": "agentstream/1.0"],
                timeoutMs: Int(max(1, MonotonicClock.now.milliseconds(to: deadline))), headDeadline: deadline)
            do throws(CurlError) {
                let (head, body) = try await client.fetch(request, limit: 1 << 20)
                guard head.status == 200 else { return "GET /api/agents answered HTTP \(head.status)" }
                guard let agents = (try? JSONValue.parse(body))?.objectValue else { return "GET /api/agents did not answer a JSON object" }
                return agents[agentID] == nil ? "agent id '\(agentID)' is not served by this Mastra server" : nil
            } catch {
                return error.kind == .timeout ? "no answer in time" : "unreachable: \(error.message)"
            }
        }
    }
}
