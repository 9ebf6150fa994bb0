/// Status line and headers of a response.
public struct CurlResponseHead: Sendable {
    /// The status code.
    public var status: Int
    /// Response headers in wire order.
    public var headers: HeaderFields

    /// A head with the given status and headers.
    public init(status: Int, headers: HeaderFields) {
        self.status = status
        self.headers = headers
    }
}

/// One step of reading a response body.
public enum HTTPBodyEvent: Sendable, Equatable {
    /// Bytes as they arrived from the network.
    case data([UInt8])
    /// Nothing arrived before the reader's deadline.
    case timeout
    /// The body ended normally.
    case end
}

/// Why a transfer failed.
public struct CurlError: Error, Sendable, CustomStringConvertible, Equatable {
    /// Broad categories callers act on.
    public enum Kind: Sendable, Equatable {
        /// Could not connect (refused, DNS, unreachable).
        case connect
        /// A timeout or deadline passed.
        case timeout
        /// The connection broke, or the peer sent something invalid or too large mid-transfer.
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
