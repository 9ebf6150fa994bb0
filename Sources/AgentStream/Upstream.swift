import CurlHTTP
import TinyJSON

/// Why an agent call failed. Before streaming it becomes an HTTP error response (`httpStatus`);
/// after, an `error` frame (`code`, `message`, `retryable`).
public struct UpstreamError: Error, Sendable, CustomStringConvertible {
    /// Status for the client when nothing has been streamed yet (4xx/502/503/504).
    public var httpStatus: Int
    /// Machine-readable code, e.g. `ThrottlingException` or `UpstreamUnreachable`.
    public var code: String
    /// Human-readable message (never contains credentials).
    public var message: String
    /// Whether retrying the same request later may succeed.
    public var retryable: Bool
    /// The upstream's own HTTP status, when it answered.
    public var upstreamStatus: Int?

    /// An error with every field given.
    public init(httpStatus: Int, code: String, message: String, retryable: Bool, upstreamStatus: Int? = nil) {
        self.httpStatus = httpStatus
        self.code = code
        self.message = message
        self.retryable = retryable
        self.upstreamStatus = upstreamStatus
    }

    public var description: String { "\(code): \(message)" }

    /// Maps a transport failure talking to an upstream.
    static func transport(_ error: HTTPClientError, upstream: String) -> UpstreamError {
        switch error.kind {
        case .connect:
            UpstreamError(httpStatus: 502, code: "UpstreamUnreachable", message: "\(upstream) is unreachable: \(error.message)", retryable: true)
        case .timeout:
            UpstreamError(httpStatus: 504, code: "UpstreamTimeout", message: "\(upstream) timed out: \(error.message)", retryable: true)
        case .cancelled:
            UpstreamError(httpStatus: 504, code: "Cancelled", message: "the call to \(upstream) was cancelled", retryable: true)
        case .transport, .usage:
            UpstreamError(httpStatus: 502, code: "UpstreamConnectionLost", message: "connection to \(upstream) failed: \(error.message)", retryable: true)
        }
    }
}

/// One item from an agent's stream.
public enum UpstreamEvent: Sendable, Equatable {
    /// One event's value as compact single-line JSON (a string for text, an object otherwise).
    case json([UInt8])
    /// Text only (for plain-text output), without framing.
    case text(String)
    /// The agent reported a failure in-band.
    case failure(code: String, message: String, retryable: Bool)
    /// Nothing arrived within the wait.
    case timeout
    /// The stream ended normally.
    case end
}

/// A running agent response.
public protocol UpstreamStream: Sendable {
    /// The next event, waiting at most `timeoutMs`.
    func next(timeoutMs: Int) async throws(UpstreamError) -> UpstreamEvent
    /// Stops the call (closes the connection), e.g. when the client's stream ends early.
    func cancel()
}

/// What the gateway asks of an agent.
public struct AgentCall: Sendable {
    /// Configured agent name (for logs and frames).
    public var agentName: String
    /// Session id (AgentCore `runtimeSessionId`, Mastra thread).
    public var sessionID: String
    /// Authenticated user id, when auth is on.
    public var userID: String?
    /// X-Ray trace header to propagate.
    public var traceID: String?
    /// The prompt text of the latest user turn.
    public var prompt: String
    /// Chat history `[{role, content}]`, when the client sent one.
    public var messages: JSONValue?
    /// Extra fields from the client body passed to the agent as they are.
    public var extra: [String: JSONValue]
    /// Headers for the upstream request (e.g. per-user credentials); values are secrets, never logged.
    public var headers: [(String, String)]
    /// Facts about the caller for the agent's context (Mastra `runtimeContext`: `user-id`, `user-tier`,
    /// `language`, `is-authenticated`).
    public var requestContext: [String: JSONValue] = [:]

    /// A call with the given parts; `messages`, `extra` and `headers` default to empty.
    public init(
        agentName: String, sessionID: String, userID: String? = nil, traceID: String? = nil, prompt: String,
        messages: JSONValue? = nil, extra: [String: JSONValue] = [:], headers: [(String, String)] = []
    ) {
        self.agentName = agentName
        self.sessionID = sessionID
        self.userID = userID
        self.traceID = traceID
        self.prompt = prompt
        self.messages = messages
        self.extra = extra
        self.headers = headers
    }
}

/// An agent backend (AgentCore, Mastra).
public protocol AgentUpstream: Sendable {
    /// Starts the call; returns once the upstream has accepted it (its response head arrived).
    func open(_ call: AgentCall) async throws(UpstreamError) -> any UpstreamStream
}

/// Turns an upstream SSE or plain body into `UpstreamEvent`s, keeping events parsed from one read.
final class SSEUpstreamStream: UpstreamStream, @unchecked Sendable {
    private let transfer: HTTPTransfer
    private let upstreamName: String
    private let classify: @Sendable ([UInt8]) -> UpstreamEvent?
    // Touched only by the single reader (the relay loop), hence @unchecked.
    private var parser = SSEParser()
    private var pending: [UpstreamEvent] = []
    private var pendingHead = 0
    private var ended = false

    /// `classify` maps one event's data to an event, or nil to skip it (e.g. an end marker handled by state).
    init(transfer: HTTPTransfer, upstreamName: String, classify: @escaping @Sendable ([UInt8]) -> UpstreamEvent?) {
        self.transfer = transfer
        self.upstreamName = upstreamName
        self.classify = classify
    }

    func next(timeoutMs: Int) async throws(UpstreamError) -> UpstreamEvent {
        while true {
            if pendingHead < pending.count {
                let e = pending[pendingHead]
                pendingHead += 1
                if pendingHead == pending.count {
                    pending.removeAll(keepingCapacity: true)
                    pendingHead = 0
                }
                return e
            }
            if ended { return .end }
            let step: HTTPBodyEvent
            do {
                step = try await transfer.next(timeoutMs: timeoutMs)
            } catch {
                throw UpstreamError.transport(error, upstream: upstreamName)
            }
            switch step {
            case .timeout:
                return .timeout
            case .data(let bytes):
                for payload in parser.feed(bytes) {
                    if let e = classify(payload) { pending.append(e) }
                }
            case .end:
                ended = true
                for payload in parser.finish() {
                    if let e = classify(payload) { pending.append(e) }
                }
            }
        }
    }

    func cancel() { transfer.cancel() }
}

/// A stream that yields a fixed list of events (a non-streaming upstream answer).
final class FixedUpstreamStream: UpstreamStream, @unchecked Sendable {
    private var events: [UpstreamEvent]

    init(_ events: [UpstreamEvent]) { self.events = events }

    func next(timeoutMs: Int) async throws(UpstreamError) -> UpstreamEvent {
        events.isEmpty ? .end : events.removeFirst()
    }

    func cancel() { events = [] }
}

/// JSON helpers shared by upstream adapters.
enum UpstreamJSON {
    /// `payload` as compact single-line JSON: kept as is when already single-line and valid,
    /// re-serialized when it spans lines, or wrapped as a JSON string when it is not JSON at all.
    static func compact(_ payload: [UInt8]) -> (bytes: [UInt8], value: JSONValue?) {
        guard let value = try? JSONValue.parse(payload) else {
            var out: [UInt8] = []
            JSONWriter.appendString(String(decoding: payload, as: UTF8.self), to: &out)
            return (out, nil)
        }
        if payload.contains(0x0A) || payload.contains(0x0D) || payload.first == 0x20 || payload.last == 0x20 {
            return (value.serialized(), value)
        }
        return (payload, value)
    }
}
