import NIOCore
import NIOHTTP1

/// Limits the real service enforces, mirrored so local runs fail the way deployed ones do.
enum Limits {
    /// Function URL request payload and buffered response payload (6 MiB).
    static let payload = 6 * 1024 * 1024
    /// RIE's figure (6 MiB + 100) as quoted in its 413 message; runtimes match on this text.
    static let payloadMessageBytes = 6 * 1024 * 1024 + 100
    /// Streamed response cap.
    static let streamed = 200 * 1024 * 1024
}

/// One Function URL request on its way through an execution environment.
///
/// Confined to the emulator's event loop like everything else it touches.
final class Invocation {
    enum State { case queued, dispatched, responding, done }

    let id: String
    let traceID: String
    let event: ByteBuffer
    /// The client connection; nil once it went away (the invocation still runs to completion, as in Lambda).
    var client: FunctionURLHandler?
    var state = State.queued
    /// The environment it was given to. It runs there, or fails with it once the runtime has it; one still
    /// waiting for a `/next` when a working environment dies moves to another.
    var environment: ExecutionEnvironment
    let received = NIODeadline.now()
    var timeoutTask: Scheduled<Void>?
    /// Whether any byte (status line included) reached the client; decides 502 versus an abrupt close.
    private(set) var headSent = false
    private(set) var status = 0
    private(set) var bodyBytes = 0
    var note: String?
    /// Set by the relay streaming this invocation's response: pauses reading from the runtime while the
    /// client cannot take more, so a slow client costs socket buffers rather than our memory.
    var onClientWritabilityChanged: ((Bool) -> Void)?

    init(id: String, traceID: String, event: ByteBuffer, client: FunctionURLHandler, environment: ExecutionEnvironment) {
        self.id = id
        self.traceID = traceID
        self.event = event
        self.client = client
        self.environment = environment
    }

    /// Starts a streamed (chunked) response to the client.
    func sendHead(status: HTTPResponseStatus, headers: HTTPHeaders) {
        guard !headSent else { return }
        headSent = true
        self.status = Int(status.code)
        client?.sendStreamingHead(status: status, headers: headers)
    }

    /// Relays one piece of body to the client immediately.
    func sendBody(_ buffer: ByteBuffer) {
        guard buffer.readableBytes > 0 else { return }
        bodyBytes += buffer.readableBytes
        client?.sendBodyPart(buffer)
    }

    /// Ends a streamed response.
    func sendEnd() {
        client?.sendEnd()
    }

    /// Sends a complete response with a Content-Length.
    func sendComplete(status: HTTPResponseStatus, headers: HTTPHeaders, body: ByteBuffer) {
        guard !headSent else { return }
        headSent = true
        self.status = Int(status.code)
        bodyBytes += body.readableBytes
        client?.sendComplete(status: status, headers: headers, body: body)
    }

    /// Cuts the client connection: the only way to tell a client mid-body that the response is incomplete.
    func abortClient() {
        client?.abort()
    }
}
