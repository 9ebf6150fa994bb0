import Primitives
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
    static func transport(_ error: CurlError, upstream: String) -> UpstreamError {
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

/// Incremental decoding of one upstream's body format into events (SSE for AgentCore, Mastra's formats).
protocol UpstreamDecoder {
    /// Events completed by `bytes`.
    mutating func feed(_ bytes: some Collection<UInt8>) -> [UpstreamEvent]
    /// Events still pending when the body ends.
    mutating func finish() -> [UpstreamEvent]
    /// True once the format's own end marker arrived (the connection may stay open after it).
    var isDone: Bool { get }
}

/// SSE events mapped one by one through `classify` (AgentCore: the agent SDK's `data: <json>` events).
struct SSEEventDecoder: UpstreamDecoder {
    private var parser = SSEParser()
    let classify: @Sendable ([UInt8]) -> UpstreamEvent?

    /// `classify` maps one event's data to an event, or nil to skip it.
    init(classify: @escaping @Sendable ([UInt8]) -> UpstreamEvent?) { self.classify = classify }

    mutating func feed(_ bytes: some Collection<UInt8>) -> [UpstreamEvent] {
        parser.feed(bytes).compactMap(classify)
    }

    mutating func finish() -> [UpstreamEvent] { parser.finish().compactMap(classify) }

    var isDone: Bool { false }
}

/// Reads an upstream body through a decoder, keeping the events decoded from one network read.
final class DecodingUpstreamStream<Decoder: UpstreamDecoder>: UpstreamStream, @unchecked Sendable {
    private let transfer: CurlTransfer
    private let upstreamName: String
    // Touched only by the single reader (the relay loop), hence @unchecked.
    private var decoder: Decoder
    private var pending: [UpstreamEvent] = []
    private var pendingHead = 0
    private var ended = false

    init(transfer: CurlTransfer, upstreamName: String, decoder: Decoder) {
        self.transfer = transfer
        self.upstreamName = upstreamName
        self.decoder = decoder
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
            if decoder.isDone {
                // The format's end marker arrived: do not wait for a server that keeps the connection open.
                ended = true
                transfer.cancel()
                return .end
            }
            let step: HTTPBodyEvent
            do {
                step = try await transfer.next(until: MonotonicClock.now.advanced(byMilliseconds: Int64(timeoutMs)))
            } catch {
                throw UpstreamError.transport(error, upstream: upstreamName)
            }
            switch step {
            case .timeout:
                return .timeout
            case .data(let bytes):
                pending += decoder.feed(bytes)
            case .end:
                ended = true
                pending += decoder.finish()
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

extension UpstreamJSON {
    /// True when `payload` can be relayed byte for byte without parsing it into a `JSONValue`: it is JSON that
    /// `JSONValue.parse` accepts, on one line with no space at either end (so `compact` would keep it as is),
    /// and it is not an object carrying both `error` and `error_type` (the agent SDK's in-band failure).
    /// Conservative: anything it cannot decide cheaply (exponents, escaped top-level keys) returns false and
    /// takes the parsing path, so the outcome is always the one `compact` gives. Allocates nothing for ASCII.
    static func isRelayableAsIs(_ payload: [UInt8]) -> Bool {
        guard let first = payload.first, first != 0x20, payload.last != 0x20 else { return false }
        return payload.withUnsafeBufferPointer { buffer in
            var scanner = JSONScanner(buffer)
            return scanner.scanDocument()
        }
    }
}

/// A non-allocating validator with the acceptance rules of TinyJSON's parser (depth 256, strict numbers,
/// escapes, paired surrogates, valid UTF-8), rejecting line breaks anywhere (see `isRelayableAsIs`).
struct JSONScanner {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0
    private var depth = 0
    private var topHasError = false
    private var topHasErrorType = false

    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    mutating func scanDocument() -> Bool {
        skipWhitespace()
        guard scanValue() else { return false }
        skipWhitespace()
        return index == bytes.count && !(topHasError && topHasErrorType)
    }

    private mutating func skipWhitespace() {
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 { index += 1 }
    }

    private mutating func scanValue() -> Bool {
        guard index < bytes.count else { return false }
        switch bytes[index] {
        case UInt8(ascii: "{"): return scanObject()
        case UInt8(ascii: "["): return scanArray()
        case UInt8(ascii: "\""): return scanString(key: false) != nil
        case UInt8(ascii: "t"): return literal("true")
        case UInt8(ascii: "f"): return literal("false")
        case UInt8(ascii: "n"): return literal("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return scanNumber()
        default: return false
        }
    }

    private mutating func literal(_ text: StaticString) -> Bool {
        let count = text.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        for i in 0..<count where bytes[index + i] != text.utf8Start[i] { return false }
        index += count
        return true
    }

    private mutating func scanObject() -> Bool {
        depth += 1
        guard depth <= 256 else { return false }
        defer { depth -= 1 }
        index += 1
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return true
        }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return false }
            let keyStart = index + 1
            guard let escaped = scanString(key: true) else { return false }
            if depth == 1 {
                // An escaped top-level key could spell "error": let the parser decide.
                if escaped { return false }
                let key = UnsafeBufferPointer(rebasing: bytes[keyStart..<(index - 1)])
                if key.elementsEqual("error".utf8) { topHasError = true }
                if key.elementsEqual("error_type".utf8) { topHasErrorType = true }
            }
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return false }
            index += 1
            skipWhitespace()
            guard scanValue() else { return false }
            skipWhitespace()
            guard index < bytes.count else { return false }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            if bytes[index] == UInt8(ascii: "}") {
                index += 1
                return true
            }
            return false
        }
    }

    private mutating func scanArray() -> Bool {
        depth += 1
        guard depth <= 256 else { return false }
        defer { depth -= 1 }
        index += 1
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return true
        }
        while true {
            skipWhitespace()
            guard scanValue() else { return false }
            skipWhitespace()
            guard index < bytes.count else { return false }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            if bytes[index] == UInt8(ascii: "]") {
                index += 1
                return true
            }
            return false
        }
    }

    private func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }

    private mutating func scanNumber() -> Bool {
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, isDigit(bytes[index]) else { return false }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else { return false }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        // Exponents are rare in agent output; leave their range questions to the parser.
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") { return false }
        return true
    }

    /// Scans a string at the opening quote; nil when invalid, else whether it contained escapes.
    private mutating func scanString(key: Bool) -> Bool? {
        index += 1
        var escaped = false
        var runStart = index
        var runHasHigh = false
        while index < bytes.count {
            let b = bytes[index]
            if b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") {
                if runHasHigh, String(validating: UnsafeBufferPointer(rebasing: bytes[runStart..<index]), as: UTF8.self) == nil {
                    return nil
                }
                if b == UInt8(ascii: "\"") {
                    index += 1
                    return escaped
                }
                escaped = true
                index += 1
                guard index < bytes.count else { return nil }
                let e = bytes[index]
                index += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                    UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    break
                case UInt8(ascii: "u"):
                    guard let scalar = hex4() else { return nil }
                    if (0xD800..<0xDC00).contains(scalar) {
                        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
                        else { return nil }
                        index += 2
                        guard let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
                    } else if (0xDC00..<0xE000).contains(scalar) {
                        return nil
                    }
                default:
                    return nil
                }
                runStart = index
                runHasHigh = false
                continue
            }
            if b < 0x20 { return nil }
            if b >= 0x80 { runHasHigh = true }
            index += 1
        }
        return nil
    }

    private mutating func hex4() -> UInt32? {
        guard let v = JSONHex.value(of: bytes, at: index) else { return nil }
        index += 4
        return v
    }
}
