import CurlHTTP

/// Why an agent call failed. Before streaming it becomes an HTTP error response (`httpStatus`); after, an
/// `error` frame (`code`, `message`, `retryable`).
public struct UpstreamError: Error, Sendable, CustomStringConvertible {
    /// Status for the client when nothing has been streamed yet (4xx/5xx).
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
            UpstreamError(httpStatus: 504, code: "UpstreamTimeout", message: "\(upstream) did not answer in time: \(error.message)", retryable: true)
        case .cancelled:
            UpstreamError(httpStatus: 504, code: "Cancelled", message: "the call to \(upstream) was cancelled", retryable: true)
        case .transport, .usage:
            UpstreamError(
                httpStatus: 502, code: "UpstreamConnectionLost", message: "connection to \(upstream) failed: \(error.message)", retryable: true)
        }
    }

    /// One event (or a non-streaming answer) larger than `MAX_EVENT_BYTES`.
    static func eventTooLarge(limit: Int, upstream: String) -> UpstreamError {
        UpstreamError(
            httpStatus: 502, code: "UpstreamEventTooLarge",
            message: "\(upstream) sent an event larger than \(limit) bytes (MAX_EVENT_BYTES)", retryable: false)
    }
}
