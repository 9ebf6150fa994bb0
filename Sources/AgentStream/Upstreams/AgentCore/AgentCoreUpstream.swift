import CurlHTTP
import Primitives
import SigV4
import TinyJSON

/// An Amazon Bedrock AgentCore runtime, called with InvokeAgentRuntime and stopped with StopRuntimeSession,
/// both SigV4-signed with the function's own credentials.
public struct AgentCoreUpstream: AgentUpstream {
    public static let kind = "agentcore"

    /// Runtime ARN of the agent.
    public let arn: String
    /// Endpoint qualifier (`DEFAULT`).
    public let qualifier: String
    /// Base URL, e.g. `https://bedrock-agentcore.us-east-1.amazonaws.com`.
    public let endpoint: String
    /// Signing region.
    public let region: String
    /// Where signing credentials come from (read per call: Lambda may rotate them).
    let credentials: @Sendable () -> AWSCredentials?
    let client: CurlClient

    public init(spec: AgentSpec, settings: UpstreamSettings, client: CurlClient) throws(ConfigError) {
        let parts = spec.value.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", parts[2] == "bedrock-agentcore", !parts[3].isEmpty,
            parts[5].hasPrefix("runtime/"), parts[5].count > "runtime/".count
        else {
            throw ConfigError(
                spec.variable,
                "'\(spec.value)' is not an AgentCore runtime ARN (arn:aws:bedrock-agentcore:<region>:<account>:runtime/<id>)")
        }
        // The ARN names its region; Lambda's own region wins when set (cross-region calls stay explicit).
        let region = settings.region.isEmpty ? String(parts[3]) : settings.region
        self.init(
            arn: spec.value, qualifier: settings.qualifier,
            endpoint: settings.agentCoreEndpoint ?? "https://bedrock-agentcore.\(region).amazonaws.com", region: region,
            credentials: { AWSCredentials.fromProcessEnvironment() }, client: client)
    }

    /// An upstream for one agent runtime.
    public init(
        arn: String, qualifier: String, endpoint: String, region: String,
        credentials: @escaping @Sendable () -> AWSCredentials?, client: CurlClient = .shared
    ) {
        self.arn = arn
        self.qualifier = qualifier
        self.endpoint = endpoint
        self.region = region
        self.credentials = credentials
        self.client = client
    }

    /// The InvokeAgentRuntime URL: the ARN percent-encoded as one path segment (`:`→`%3A`, `/`→`%2F`).
    public var invocationURL: String { runtimeURL("invocations") }

    /// The StopRuntimeSession URL.
    public var stopSessionURL: String { runtimeURL("stopruntimesession") }

    private func runtimeURL(_ operation: String) -> String {
        endpoint + "/runtimes/" + PercentEncoding.encode(arn) + "/" + operation + "?qualifier=" + PercentEncoding.encode(qualifier)
    }

    // MARK: sessions

    public func sessionProblem(_ id: String) -> String? {
        SessionID.isValid(id) ? nil : SessionID.rule
    }

    public func session(clientID: String?, caller: Caller) -> AgentSession {
        let id = clientID ?? SessionID.generate()
        // AgentCore does not bind a session to a user: with auth on, the session the agent sees is derived from
        // the caller, so nobody can reach, continue or stop another user's session by sending its id.
        let upstream = caller.userID.map { SessionOwnership.derive(userID: $0, clientID: id) } ?? id
        return AgentSession(clientID: id, upstreamID: upstream, clientSupplied: clientID != nil)
    }

    /// Only `X-Amzn-Bedrock-AgentCore-Runtime-Custom-*` headers reach the container (and only those its
    /// request-header allowlist names).
    public func credentialHeaders(_ c: UserAWSCredentials, defaultRegion: String) -> [(String, String)] {
        let p = "X-Amzn-Bedrock-AgentCore-Runtime-Custom-"
        var h = [(p + "Aws-Access-Key-Id", c.accessKeyID), (p + "Aws-Secret-Access-Key", c.secretAccessKey)]
        if let t = c.sessionToken { h.append((p + "Aws-Session-Token", t)) }
        if let r = c.region ?? defaultRegion.nonEmpty { h.append((p + "Aws-Region", r)) }
        return h
    }

    // MARK: invoking

    /// The JSON body sent to the agent: the client's other fields, then `prompt` and `messages`.
    static func body(for call: AgentCall) -> [UInt8] {
        var members = call.passthrough
        members["prompt"] = .string(call.prompt)
        if let messages = call.messages { members["messages"] = messages }
        return JSONValue.object(members).serialized()
    }

    public func open(_ call: AgentCall, deadline: MonotonicClock.Instant, limits: UpstreamLimits) async throws(UpstreamError) -> any UpstreamStream {
        let body = Self.body(for: call)
        var headers: [(String, String)] = [
            ("Content-Type", "application/json"),
            ("Accept", "text/event-stream"),
            (Self.sessionHeader, call.session.upstreamID),
        ]
        if let user = call.userID { headers.append(("X-Amzn-Bedrock-AgentCore-Runtime-User-Id", user)) }
        headers.append(contentsOf: call.headers)
        var wire = try signed("POST", url: invocationURL, headers: headers, body: body)
        // Unsigned by design (botocore never signs them), so they may be added after signing.
        if let trace = call.traceID {
            wire.add("X-Amzn-Trace-Id", trace)
            if let parent = TraceContext.traceparent(fromXRay: trace) { wire.add("traceparent", parent) }
        }
        let request = CurlRequest(
            method: "POST", url: invocationURL, headers: wire, body: .bytes(body), connectTimeoutMs: 5000, headDeadline: deadline)
        let head: CurlResponseHead
        let transfer: CurlTransfer
        do {
            (head, transfer) = try await client.execute(request)
        } catch {
            throw UpstreamError.transport(error, upstream: "AgentCore")
        }
        guard head.status == 200 else {
            let bytes = (try? await transfer.collectBody(limit: 64 * 1024)) ?? []
            throw AgentCoreErrors.map(status: head.status, headers: head.headers, body: bytes)
        }
        let contentType = head.headers["content-type"]?.lowercased() ?? ""
        if contentType.hasPrefix("text/event-stream") {
            return DecodingUpstreamStream(
                transfer: transfer, upstreamName: "AgentCore", decoder: AgentCoreEventDecoder(maxEventBytes: limits.maxEventBytes))
        }
        // A non-streaming agent answers with one JSON document: relayed as one chunk once complete.
        let decoder = JSONDocumentDecoder(limit: limits.maxEventBytes, upstreamName: "AgentCore") { whole in
            AgentCoreEvents.classify(whole) ?? .json(UpstreamJSON.compact(whole).bytes)
        }
        return DecodingUpstreamStream(transfer: transfer, upstreamName: "AgentCore", decoder: decoder)
    }

    // MARK: stopping

    public var stopsSessions: Bool { true }

    /// StopRuntimeSession: ends the session and "any ongoing streaming responses" of it.
    public func stopSession(_ session: AgentSession, deadline: MonotonicClock.Instant) async throws(UpstreamError) {
        // An idempotency token (33-256 characters): one per stop, since each stop is its own request.
        let token = SessionID.generate() + "-stop"
        let body = JSONValue.object(["clientToken": .string(token)]).serialized()
        let headers: [(String, String)] = [("Content-Type", "application/json"), (Self.sessionHeader, session.upstreamID)]
        let wire = try signed("POST", url: stopSessionURL, headers: headers, body: body)
        let request = CurlRequest(
            method: "POST", url: stopSessionURL, headers: wire, body: .bytes(body), connectTimeoutMs: 2000, headDeadline: deadline)
        let head: CurlResponseHead
        let answer: [UInt8]
        do {
            (head, answer) = try await client.fetch(request, limit: 64 * 1024)
        } catch {
            throw UpstreamError.transport(error, upstream: "AgentCore")
        }
        guard (200..<300).contains(head.status) else {
            throw AgentCoreErrors.map(status: head.status, headers: head.headers, body: answer)
        }
    }

    // MARK: health

    /// Reachability of the endpoint (DNS, TCP, TLS, any HTTP answer), not a signed call: there is no
    /// side-effect-free data-plane call, and an unauthenticated probe must not start (and bill) a session.
    public var healthProbe: HealthProbe {
        let url = endpoint
        let client = client
        return HealthProbe(key: "agentcore " + url, url: url) { deadline in
            // The whole probe, body included, must end by the deadline: /health answers in about 2 s.
            let request = CurlRequest(
                method: "GET", url: url + "/", headers: ["User-Agent": "agentstream/1.0"],
                timeoutMs: Int(max(1, MonotonicClock.now.milliseconds(to: deadline))), headDeadline: deadline)
            do throws(CurlError) {
                _ = try await client.fetch(request, limit: 64 * 1024)
                return nil
            } catch {
                return error.kind == .timeout ? "no answer in time" : "unreachable: \(error.message)"
            }
        }
    }

    // MARK: signing

    static let sessionHeader = "X-Amzn-Bedrock-AgentCore-Runtime-Session-Id"

    private func signed(_ method: String, url: String, headers: [(String, String)], body: [UInt8]) throws(UpstreamError) -> HeaderFields {
        guard let creds = credentials() else {
            throw UpstreamError(
                httpStatus: 500, code: "MissingCredentials",
                message: "no AWS credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set", retryable: false)
        }
        let signer = SigV4Signer(credentials: creds, region: region, service: "bedrock-agentcore")
        let signature: [(String, String)]
        do {
            signature = try signer.sign(method: method, url: url, headers: headers, body: body, date: AWSDate.now()).headers
        } catch {
            throw UpstreamError(httpStatus: 500, code: "SigningFailed", message: "could not sign the AgentCore request: \(error)", retryable: false)
        }
        var wire = HeaderFields(headers)
        for (name, value) in signature { wire.replace(name, value) }
        wire.add("User-Agent", "agentstream/1.0")
        return wire
    }
}
