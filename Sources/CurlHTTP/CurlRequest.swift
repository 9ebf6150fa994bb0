import Primitives

/// Header fields in wire order, duplicates kept, looked up case-insensitively.
public struct HeaderFields: Sendable, Sequence, ExpressibleByDictionaryLiteral {
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
    /// A chunked body written while the request runs (`CurlTransfer.enqueue`), optionally ending in trailers.
    case stream
}

/// One HTTP/1.1 request for `CurlClient`.
public struct CurlRequest: Sendable {
    /// Method, e.g. "GET".
    public var method: String
    /// Absolute URL, already percent-encoded as it goes on the wire.
    public var url: String
    /// Request headers.
    public var headers: HeaderFields
    /// Request body.
    public var body: HTTPRequestBody
    /// Connect timeout; nil keeps libcurl's default (300 s).
    public var connectTimeoutMs: Int?
    /// Whole-transfer timeout; nil means none (the Runtime API's /next must never time out).
    public var timeoutMs: Int?
    /// The response head must have arrived by then, or the transfer ends with a `.timeout` error. Unlike
    /// `timeoutMs` it leaves a long streamed body alone once the head is in.
    public var headDeadline: MonotonicClock.Instant?
    /// Largest response head accepted (status line and every header line together); a peer sending more is
    /// cut off with a `.transport` error instead of growing memory.
    public var maxHeaderBytes: Int

    /// A request; `headers` and `body` default to empty.
    public init(
        method: String, url: String, headers: HeaderFields = HeaderFields(), body: HTTPRequestBody = .none,
        connectTimeoutMs: Int? = nil, timeoutMs: Int? = nil, headDeadline: MonotonicClock.Instant? = nil,
        maxHeaderBytes: Int = 64 * 1024
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.connectTimeoutMs = connectTimeoutMs
        self.timeoutMs = timeoutMs
        self.headDeadline = headDeadline
        self.maxHeaderBytes = maxHeaderBytes
    }
}
