import Primitives
import CurlHTTP
import Synchronization
import TinyJSON

/// A function that answers invocations by writing to a response writer.
public protocol LambdaHandler: Sendable {
    /// Handles one invocation. Throwing before the first byte reports the error through `/error`;
    /// throwing after it ends the stream with error trailers.
    func handle(event: [UInt8], context: LambdaContext, writer: LambdaResponseWriter) async throws
}

/// An error with a name and message of its own; reported as `Function.<errorType>`.
public protocol LambdaFunctionError: Error {
    /// Short name, letters only, starting upper-case (e.g. "UpstreamTimeout").
    var errorType: String { get }
    /// Human-readable message.
    var errorMessage: String { get }
}

/// The `Function.<Name>` error type and message Lambda accepts for `error`.
///
/// Lambda keeps an error type only if it matches `(Runtime|Function)\.[A-Z][a-zA-Z]+`,
/// so the name is reduced to letters and capitalised.
public func lambdaErrorInfo(_ error: any Error) -> (type: String, message: String) {
    let rawName: String
    let message: String
    if let e = error as? any LambdaFunctionError {
        rawName = e.errorType
        message = e.errorMessage
    } else if let e = error as? any CustomStringConvertible {
        rawName = String(describing: type(of: error))
        message = e.description
    } else {
        rawName = String(describing: type(of: error))
        message = String(describing: error)
    }
    var letters = String(rawName.unicodeScalars.filter { ($0.value >= 65 && $0.value <= 90) || ($0.value >= 97 && $0.value <= 122) })
    if letters.isEmpty { letters = "Unhandled" }
    let first = letters.prefix(1).uppercased()
    return ("Function." + first + letters.dropFirst(), message)
}

/// The `{"errorMessage","errorType","stackTrace":[]}` document Lambda expects for errors.
func errorDocument(type: String, message: String) -> [UInt8] {
    var out: [UInt8] = []
    out.append(contentsOf: #"{"errorMessage":"#.utf8)
    JSONWriter.appendString(message, to: &out)
    out.append(contentsOf: #","errorType":"#.utf8)
    JSONWriter.appendString(type, to: &out)
    out.append(contentsOf: #","stackTrace":[]}"#.utf8)
    return out
}

/// Writes one invocation's response to the Runtime API.
///
/// `writeHead` then `write`s stream the body: the prelude goes out as one HTTP chunk, 8 NUL bytes as the
/// next, then one chunk per `write`, each sent at once. `respondBuffered` sends a whole payload instead.
public final class LambdaResponseWriter: Sendable {
    private enum Phase {
        case idle
        case headPending(HTTPResponsePrelude)
        case streaming(CurlTransfer)
        case buffered
        case finished
    }

    private let client: CurlClient
    private let responseURL: String
    private let phase = Mutex<Phase>(.idle)
    private let bytesSent = Atomic<Int>(0)

    init(client: CurlClient, responseURL: String) {
        self.client = client
        self.responseURL = responseURL
    }

    /// True once any response byte has gone to the Runtime API (so `/error` is no longer allowed).
    public var hasStarted: Bool {
        phase.withLock { p in
            switch p {
            case .idle, .headPending: false
            case .streaming, .buffered, .finished: true
            }
        }
    }

    /// Body bytes written so far (excluding the prelude).
    public var bodyBytesWritten: Int { bytesSent.load(ordering: .relaxed) }

    /// Sets status, headers and cookies; they are sent with the first body write (or `finish`).
    public func writeHead(status: Int, headers: [(String, String)], cookies: [String] = []) throws(ResponseWriterError) {
        try phase.withLock { (p: inout Phase) throws(ResponseWriterError) in
            guard case .idle = p else { throw ResponseWriterError("the response head was already written") }
            p = .headPending(HTTPResponsePrelude(statusCode: status, headers: headers, cookies: cookies))
        }
    }

    /// Sends `bytes` as one HTTP chunk; the first write also sends the prelude.
    public func write(_ bytes: [UInt8]) async throws(ResponseWriterError) {
        guard !bytes.isEmpty else { return }
        let (transfer, wait) = try startAndEnqueue(bytes)
        bytesSent.add(bytes.count, ordering: .relaxed)
        if wait {
            do { try await transfer.waitForCapacity() } catch { throw ResponseWriterError(error.message) }
        }
    }

    /// Sends the UTF-8 bytes of `text` as one chunk.
    public func write(_ text: String) async throws(ResponseWriterError) {
        try await write(Array(text.utf8))
    }

    /// Ends a streamed response (sending the head first when nothing was written) and waits for the Runtime API.
    public func finish() async throws(ResponseWriterError) {
        try await end(trailers: [])
    }

    /// Sends a complete, non-streamed response (`POST /response` with a Content-Length).
    public func respondBuffered(_ payload: [UInt8], contentType: String = "application/json") async throws(ResponseWriterError) {
        try phase.withLock { (p: inout Phase) throws(ResponseWriterError) in
            guard case .idle = p else { throw ResponseWriterError("a response was already started") }
            p = .buffered
        }
        var headers = HeaderFields()
        headers.add("Content-Type", contentType)
        let request = CurlRequest(method: "POST", url: responseURL, headers: headers, body: .bytes(payload))
        let status: Int
        do {
            let (head, transfer) = try await client.execute(request)
            _ = try await transfer.collectBody(limit: 1 << 20)
            status = head.status
        } catch {
            phase.withLock { $0 = .finished }
            throw ResponseWriterError("Runtime API rejected the response: \(error.message)")
        }
        phase.withLock { $0 = .finished }
        bytesSent.add(payload.count, ordering: .relaxed)
        if status == 413 {
            throw ResponseWriterError("Runtime API rejected the response as too large (413)", tooLarge: true)
        }
        guard (200..<300).contains(status) else {
            throw ResponseWriterError("Runtime API answered \(status) to the response")
        }
    }

    /// Ends a started stream with Lambda's error trailers (runtime use, after a handler failed mid-stream).
    func fail(type: String, message: String) async throws(ResponseWriterError) {
        let body = Base64.encode(errorDocument(type: type, message: message))
        try await end(trailers: [
            ("Lambda-Runtime-Function-Error-Type", type),
            ("Lambda-Runtime-Function-Error-Body", body),
        ])
    }

    private func startAndEnqueue(_ bytes: [UInt8]) throws(ResponseWriterError) -> (CurlTransfer, Bool) {
        try phase.withLock { (p: inout Phase) throws(ResponseWriterError) -> (CurlTransfer, Bool) in
            if case .buffered = p { throw ResponseWriterError("the response is already complete") }
            if case .finished = p { throw ResponseWriterError("the response is already complete") }
            do throws(CurlError) {
                switch p {
                case .streaming(let transfer):
                    return (transfer, try transfer.enqueue(bytes))
                case .idle, .headPending:
                    let transfer = try openStream(after: p)
                    p = .streaming(transfer)
                    let wait = try transfer.enqueue(bytes)
                    return (transfer, wait)
                case .buffered, .finished:
                    preconditionFailure("checked above")
                }
            } catch {
                throw ResponseWriterError("Runtime API stream failed: \(error.message)")
            }
        }
    }

    /// Starts the streamed POST and queues the prelude chunk and the 8-NUL delimiter chunk.
    private func openStream(after phase: Phase) throws(CurlError) -> CurlTransfer {
        var prelude = HTTPResponsePrelude(statusCode: 200, headers: [("content-type", "application/octet-stream")])
        if case .headPending(let pending) = phase { prelude = pending }
        var headers = HeaderFields()
        headers.add("Lambda-Runtime-Function-Response-Mode", "streaming")
        headers.add("Trailer", "Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body")
        headers.add("Content-Type", "application/vnd.awslambda.http-integration-response")
        let transfer = client.start(CurlRequest(method: "POST", url: responseURL, headers: headers, body: .stream))
        _ = try transfer.enqueue(prelude.encoded())
        _ = try transfer.enqueue([UInt8](repeating: 0, count: 8))
        return transfer
    }

    private func end(trailers: [(String, String)]) async throws(ResponseWriterError) {
        let transfer: CurlTransfer? = try phase.withLock { (p: inout Phase) throws(ResponseWriterError) -> CurlTransfer? in
            do throws(CurlError) {
                switch p {
                case .streaming(let t):
                    p = .finished
                    return t
                case .idle, .headPending:
                    let t = try openStream(after: p)
                    p = .finished
                    return t
                case .buffered, .finished:
                    return nil
                }
            } catch {
                throw ResponseWriterError("Runtime API stream failed: \(error.message)")
            }
        }
        guard let transfer else { return }
        let status: Int
        do {
            status = try await transfer.finish(trailers: trailers)
        } catch {
            throw ResponseWriterError("Runtime API stream failed: \(error.message)")
        }
        guard (200..<300).contains(status) else {
            throw ResponseWriterError("Runtime API answered \(status) to the streamed response")
        }
    }
}

/// A response could not be written (Runtime API gone, misuse, or a rejected payload).
public struct ResponseWriterError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public let message: String
    /// The Runtime API refused a buffered payload as too large.
    public let tooLarge: Bool

    init(_ message: String, tooLarge: Bool = false) {
        self.message = message
        self.tooLarge = tooLarge
    }

    public var description: String { message }
}
