/// Where a handler writes its response.
///
/// Streamed: `writeHead`, then `write`s, each sent at once as its own chunk. Buffered: one
/// `respondBuffered`. The runtime ends the response when the handler returns (or throws); a head written
/// with no body after it is a complete response (a 204, a 304).
public protocol LambdaResponseWriter: Sendable {
    /// Sets status, headers and cookies; they are sent with the first body write, or alone at the end.
    func writeHead(status: Int, headers: [(String, String)], cookies: [String]) throws(ResponseWriterError)
    /// Sends `bytes` now; the first write also sends the head.
    func write(_ bytes: [UInt8]) async throws(ResponseWriterError)
    /// Sends a complete, non-streamed response instead of a stream.
    func respondBuffered(_ payload: [UInt8], contentType: String) async throws(ResponseWriterError)
}

extension LambdaResponseWriter {
    /// `writeHead` without cookies.
    public func writeHead(status: Int, headers: [(String, String)]) throws(ResponseWriterError) {
        try writeHead(status: status, headers: headers, cookies: [])
    }

    /// Sends the UTF-8 bytes of `text`.
    public func write(_ text: String) async throws(ResponseWriterError) {
        try await write(Array(text.utf8))
    }
}

/// A response could not be written (Runtime API gone, misuse, or a rejected payload).
public struct ResponseWriterError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public let message: String
    /// The Runtime API refused a buffered payload as too large.
    public let tooLarge: Bool

    /// An error with `message`.
    public init(_ message: String, tooLarge: Bool = false) {
        self.message = message
        self.tooLarge = tooLarge
    }

    public var description: String { message }
}
