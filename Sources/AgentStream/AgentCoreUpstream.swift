import Primitives
import CurlHTTP
import SigV4
import TinyJSON

/// Calls an Amazon Bedrock AgentCore runtime with InvokeAgentRuntime, SigV4-signed.
public struct AgentCoreUpstream: AgentUpstream {
    /// Runtime ARN of the agent.
    public let arn: String
    /// Endpoint qualifier (`DEFAULT`).
    public let qualifier: String
    /// Base URL, e.g. `https://bedrock-agentcore.us-east-1.amazonaws.com`.
    public let endpoint: String
    /// Signing region.
    public let region: String
    /// Where credentials come from (per call, since Lambda may rotate them).
    public let credentials: @Sendable () -> AWSCredentials?
    /// HTTP client.
    public let client: CurlClient

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
    public var invocationURL: String {
        endpoint + "/runtimes/" + PercentEncoding.encode(arn) + "/invocations?qualifier=" + PercentEncoding.encode(qualifier)
    }

    /// The JSON body sent to the agent: `{"prompt": ...}` plus `messages` and the client's extra fields.
    static func body(for call: AgentCall) -> [UInt8] {
        var members = call.extra
        members["prompt"] = .string(call.prompt)
        if let messages = call.messages { members["messages"] = messages }
        return JSONValue.object(members).serialized()
    }

    public func open(_ call: AgentCall) async throws(UpstreamError) -> any UpstreamStream {
        guard let creds = credentials() else {
            throw UpstreamError(
                httpStatus: 500, code: "MissingCredentials",
                message: "no AWS credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set", retryable: false)
        }
        let body = Self.body(for: call)
        var headers: [(String, String)] = [
            ("Content-Type", "application/json"),
            ("Accept", "text/event-stream"),
            ("X-Amzn-Bedrock-AgentCore-Runtime-Session-Id", call.sessionID),
        ]
        if let user = call.userID { headers.append(("X-Amzn-Bedrock-AgentCore-Runtime-User-Id", user)) }
        headers.append(contentsOf: call.headers)
        let url = invocationURL
        let signer = SigV4Signer(credentials: creds, region: region, service: "bedrock-agentcore")
        let signed: [(String, String)]
        do {
            signed = try signer.sign(method: "POST", url: url, headers: headers, body: body, date: AWSDate.now()).headers
        } catch {
            throw UpstreamError(httpStatus: 500, code: "SigningFailed", message: "could not sign the AgentCore request: \(error)", retryable: false)
        }
        var wire = HeaderFields(headers)
        for (name, value) in signed { wire.replace(name, value) }
        // Unsigned by design (botocore never signs it), so it may be added after signing.
        if let trace = call.traceID { wire.add("X-Amzn-Trace-Id", trace) }
        wire.add("User-Agent", "agentstream/1.0")

        let request = CurlRequest(method: "POST", url: url, headers: wire, body: .bytes(body), connectTimeoutMs: 5000)
        let head: CurlResponseHead
        let transfer: CurlTransfer
        do {
            (head, transfer) = try await client.execute(request)
        } catch {
            throw UpstreamError.transport(error, upstream: "AgentCore")
        }
        guard head.status == 200 else {
            let bytes = (try? await transfer.collectBody(limit: 64 * 1024)) ?? []
            throw Self.mapError(status: head.status, headers: head.headers, body: bytes)
        }
        let contentType = head.headers["content-type"]?.lowercased() ?? ""
        if contentType.hasPrefix("text/event-stream") {
            return DecodingUpstreamStream(
                transfer: transfer, upstreamName: "AgentCore", decoder: SSEEventDecoder(classify: Self.classify))
        }
        // A non-streaming agent answers with one JSON document: relay it as one chunk.
        let whole: [UInt8]
        do {
            whole = try await transfer.collectBody(limit: 6 * 1024 * 1024)
        } catch {
            throw UpstreamError.transport(error, upstream: "AgentCore")
        }
        return FixedUpstreamStream([Self.classify(whole) ?? .json(UpstreamJSON.compact(whole).bytes)])
    }

    /// One SSE event of the agent: its JSON value, or an in-band failure reported by the agent SDK
    /// (`{"error": ..., "error_type": ...}`).
    static func classify(_ payload: [UInt8]) -> UpstreamEvent? {
        // The common case (a text delta, an event object): relay the bytes without building a JSONValue.
        if UpstreamJSON.isRelayableAsIs(payload) { return .json(payload) }
        let (bytes, value) = UpstreamJSON.compact(payload)
        if let object = value?.objectValue, let error = object["error"], object["error_type"] != nil {
            let type = object["error_type"]?.stringValue ?? "AgentError"
            let message = error.stringValue ?? error.jsonString
            return .failure(code: "AgentError", message: "\(type): \(message)", retryable: false)
        }
        return .json(bytes)
    }

    /// Maps an AWS JSON error (rest-json: `x-amzn-ErrorType`, `message`/`Message`, `reason`, `fieldList`).
    static func mapError(status: Int, headers: HeaderFields, body: [UInt8]) -> UpstreamError {
        let doc = try? JSONValue.parse(body)
        var code = headers["x-amzn-ErrorType"] ?? doc?["__type"]?.stringValue ?? doc?["code"]?.stringValue ?? ""
        // botocore strips everything after ':' and before '#'.
        if let colon = code.firstIndex(of: ":") { code = String(code[..<colon]) }
        if let hash = code.lastIndex(of: "#") { code = String(code[code.index(after: hash)...]) }
        if code.isEmpty { code = "HTTP\(status)" }
        var message = doc?["message"]?.stringValue ?? doc?["Message"]?.stringValue ?? ""
        if message.isEmpty { message = String(decoding: body.prefix(300), as: UTF8.self) }
        if let reason = doc?["reason"]?.stringValue { message += " (reason: \(reason))" }
        if let fields = doc?["fieldList"]?.arrayValue, !fields.isEmpty {
            let names = fields.compactMap { f -> String? in
                guard let n = f["name"]?.stringValue else { return nil }
                return f["message"]?.stringValue.map { "\(n): \($0)" } ?? n
            }
            message += " [" + names.joined(separator: "; ") + "]"
        }
        let retryable: Bool
        let httpStatus: Int
        switch status {
        case 409, 429:
            retryable = true
            httpStatus = 503
        case 402:
            retryable = false
            httpStatus = 503
        case 500, 502, 503:
            retryable = true
            httpStatus = 502
        case 504:
            retryable = true
            httpStatus = 504
        default:
            // 400/403/404/424: the call itself or the agent is at fault; retrying will not help.
            retryable = false
            httpStatus = 502
        }
        return UpstreamError(
            httpStatus: httpStatus, code: code, message: "AgentCore: \(message)", retryable: retryable, upstreamStatus: status)
    }
}
