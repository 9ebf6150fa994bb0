/// An HTTP header list that keeps order and duplicates, as they appear on the wire.
public struct HTTPHeaders: Sendable, Sequence, ExpressibleByDictionaryLiteral {
    /// The fields in wire order.
    public private(set) var fields: [(name: String, value: String)]

    /// An empty list.
    public init() { fields = [] }

    /// A list from name/value pairs.
    public init(_ fields: [(String, String)]) { self.fields = fields.map { (name: $0.0, value: $0.1) } }

    public init(dictionaryLiteral elements: (String, String)...) { self.init(elements) }

    /// Appends a field.
    public mutating func add(_ name: String, _ value: String) { fields.append((name, value)) }

    /// Replaces every field named `name` (case-insensitively) with one field.
    public mutating func replace(_ name: String, _ value: String) {
        remove(name)
        add(name, value)
    }

    /// Removes every field named `name` (case-insensitively).
    public mutating func remove(_ name: String) {
        let lower = name.lowercased()
        fields.removeAll { $0.name.lowercased() == lower }
    }

    /// The first value of `name` (case-insensitive).
    public subscript(name: String) -> String? {
        let lower = name.lowercased()
        return fields.first { $0.name.lowercased() == lower }?.value
    }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> { fields.makeIterator() }
}

/// What to send as a request body.
public enum HTTPRequestBody: Sendable {
    /// No body.
    case none
    /// A fixed body sent with Content-Length.
    case bytes([UInt8])
    /// A chunked body written while the request runs (`HTTPTransfer.write`), optionally ending in trailers.
    case stream
}

/// One HTTP request.
public struct HTTPRequest: Sendable {
    /// Method, e.g. "GET".
    public var method: String
    /// Absolute URL, already percent-encoded as it goes on the wire.
    public var url: String
    /// Request headers.
    public var headers: HTTPHeaders
    /// Request body.
    public var body: HTTPRequestBody
    /// Connect timeout; nil keeps libcurl's default (300 s).
    public var connectTimeoutMs: Int?
    /// Whole-transfer timeout; nil means none (the Runtime API's /next must never time out).
    public var timeoutMs: Int?

    /// A request; `headers` and `body` default to empty.
    public init(
        method: String, url: String, headers: HTTPHeaders = HTTPHeaders(), body: HTTPRequestBody = .none,
        connectTimeoutMs: Int? = nil, timeoutMs: Int? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.connectTimeoutMs = connectTimeoutMs
        self.timeoutMs = timeoutMs
    }
}

/// Status line and headers of a response.
public struct HTTPResponseHead: Sendable {
    /// The status code.
    public var status: Int
    /// Response headers in wire order.
    public var headers: HTTPHeaders

    /// A head with the given status and headers.
    public init(status: Int, headers: HTTPHeaders) {
        self.status = status
        self.headers = headers
    }
}

/// One step of reading a response body.
public enum HTTPBodyEvent: Sendable, Equatable {
    /// Bytes as they arrived from the network.
    case data([UInt8])
    /// Nothing arrived within the requested wait.
    case timeout
    /// The body ended normally.
    case end
}

/// Why a transfer failed.
public struct HTTPClientError: Error, Sendable, CustomStringConvertible, Equatable {
    /// Broad categories callers act on.
    public enum Kind: Sendable, Equatable {
        /// Could not connect (refused, DNS, unreachable).
        case connect
        /// A curl timeout fired.
        case timeout
        /// The connection broke or the peer sent something invalid mid-transfer.
        case transport
        /// The caller cancelled the transfer.
        case cancelled
        /// Misuse, e.g. writing to a request without a streamed body.
        case usage
    }

    /// The category.
    public let kind: Kind
    /// A human-readable reason (libcurl's text for libcurl errors).
    public let message: String

    /// An error of `kind` with `message`.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
