import LambdaRuntime
import Primitives
import TinyJSON

/// Collects a handler's streamed answer and sends it as one payload-2.0 result object
/// (`statusCode`, `headers`, `cookies`, `body`, `isBase64Encoded`): what a BUFFERED Function URL or an API
/// Gateway HTTP API needs, where a streamed prelude would reach the client as raw bytes.
///
/// The handler writes exactly as it would to a streaming writer; `flush()` sends the result. Writes past
/// `maxBodyBytes` are refused so the caller can end the answer within Lambda's 6 MB buffered limit.
public final class BufferedHTTPResponseWriter: LambdaResponseWriter {
    private struct State {
        var prelude: HTTPResponsePrelude?
        var body: [UInt8] = []
        var passthrough = false
        var flushed = false
    }

    private let inner: any LambdaResponseWriter
    private let state = Locked(State())
    /// Largest body collected.
    public let maxBodyBytes: Int

    /// A writer that collects into one result object and sends it through `inner`.
    public init(inner: any LambdaResponseWriter, maxBodyBytes: Int) {
        self.inner = inner
        self.maxBodyBytes = maxBodyBytes
    }

    public func writeHead(status: Int, headers: [(String, String)], cookies: [String]) throws(ResponseWriterError) {
        try state.withLock { (s: inout State) throws(ResponseWriterError) in
            guard s.prelude == nil, !s.flushed else { throw ResponseWriterError("the response head was already written") }
            s.prelude = HTTPResponsePrelude(statusCode: status, headers: headers, cookies: cookies)
        }
    }

    public func write(_ bytes: [UInt8]) async throws(ResponseWriterError) {
        try state.withLock { (s: inout State) throws(ResponseWriterError) in
            guard !s.flushed else { throw ResponseWriterError("the response is already complete") }
            guard s.body.count + bytes.count <= maxBodyBytes else {
                throw ResponseWriterError("the buffered response would exceed \(maxBodyBytes) bytes", tooLarge: true)
            }
            if s.prelude == nil { s.prelude = HTTPResponsePrelude(statusCode: 200, headers: [("content-type", "application/octet-stream")]) }
            s.body.append(contentsOf: bytes)
        }
    }

    /// A handler that already builds its own payload sends it as it is.
    public func respondBuffered(_ payload: [UInt8], contentType: String) async throws(ResponseWriterError) {
        try state.withLock { (s: inout State) throws(ResponseWriterError) in
            guard s.prelude == nil, !s.flushed else { throw ResponseWriterError("a response was already started") }
            s.passthrough = true
            s.flushed = true
        }
        try await inner.respondBuffered(payload, contentType: contentType)
    }

    /// Sends the collected answer as one result object (once; later calls do nothing).
    public func flush() async throws(ResponseWriterError) {
        let result: [UInt8]? = state.withLock { s in
            guard !s.flushed else { return nil }
            s.flushed = true
            guard let prelude = s.prelude else { return nil }
            return Self.resultObject(prelude: prelude, body: s.body)
        }
        guard let result else { return }
        try await inner.respondBuffered(result, contentType: "application/json")
    }

    /// `{"statusCode","headers","cookies","body","isBase64Encoded"}`; the body is text when it is UTF-8,
    /// else base64.
    static func resultObject(prelude: HTTPResponsePrelude, body: [UInt8]) -> [UInt8] {
        var headers: [String: JSONValue] = [:]
        for (name, value) in prelude.headers where name.lowercased() != "content-length" {
            let key = name.lowercased()
            if case .string(let existing) = headers[key] {
                headers[key] = .string(existing + "," + value)
            } else {
                headers[key] = .string(value)
            }
        }
        let text = String(validating: body, as: UTF8.self)
        let doc: JSONValue = [
            "statusCode": .number(Double(prelude.statusCode)), "headers": .object(headers),
            "cookies": .array(prelude.cookies.map { .string($0) }),
            "body": .string(text ?? Base64.encode(body)), "isBase64Encoded": .bool(text == nil),
        ]
        return doc.serialized()
    }
}
