import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

// An AgentCore-compatible demo agent served in-process by `lambda-local --demo-agent`, so `make run`
// streams a real-looking answer with no AWS account. It speaks the data plane's wire format:
// InvokeAgentRuntime (POST /runtimes/{ARN}/invocations: an SSE answer of `data: <json>\n\n` events with no
// end marker, exactly like the bedrock-agentcore SDK) and StopRuntimeSession
// (POST /runtimes/{ARN}/stopruntimesession), each with a SigV4 Authorization header required (present, not
// verified: the interop tests check signatures with botocore) and the session header.

/// The demo agent's HTTP server on 127.0.0.1.
final class DemoAgentServer: Sendable {
    /// ARN that the child is configured with; any ARN is accepted on the wire.
    static let arn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/demo_agent-local"

    let channel: any Channel
    /// Base URL for `AGENTCORE_ENDPOINT`.
    let url: String
    /// Sessions, streams in flight and StopRuntimeSession records.
    let state: DemoAgentState

    /// Starts the server; `pauseMs` scales the pauses between events (0 for tests).
    init(group: any EventLoopGroup, pauseMs: Int = 350) throws {
        let state = DemoAgentState()
        self.state = state
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(DemoAgentHandler(state: state, pauseMs: pauseMs))
                }
            }
        channel = try bootstrap.bind(host: "127.0.0.1", port: 0).wait()
        url = "http://127.0.0.1:\(channel.localAddress?.port ?? 0)"
    }

    /// Environment that points a child bootstrap at this agent.
    var childEnvironment: [String: String] {
        [
            "AGENTCORE_ENDPOINT": url,
            "AGENTCORE_RUNTIME_ARN": Self.arn,
            "AWS_REGION": "us-east-1",
            // Demo credentials: the demo agent only checks that a SigV4 header is present.
            "AWS_ACCESS_KEY_ID": "AKIDDEMOLOCAL",
            "AWS_SECRET_ACCESS_KEY": "demo-secret-key-not-used-by-aws",
        ]
    }
}

/// One connection to the demo agent.
final class DemoAgentHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let state: DemoAgentState
    private let pauseMs: Int
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()
    /// The answer being streamed on this connection, if any.
    private var stream: (session: String, id: Int, next: Scheduled<Void>?)?

    init(state: DemoAgentState, pauseMs: Int) {
        self.state = state
        self.pauseMs = pauseMs
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h
            body.clear()
        case .body(var b):
            body.writeBuffer(&b)
        case .end:
            guard let head else { return }
            self.head = nil
            respond(context: context, head: head)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let stream {
            stream.next?.cancel()
            state.streamEnded(session: stream.session, streamID: stream.id)
            self.stream = nil
        }
        context.fireChannelInactive()
    }

    private func respond(context: ChannelHandlerContext, head: HTTPRequestHead) {
        let (path, query) = EventBuilder.splitTarget(head.uri)
        if head.method == .GET && path == "/ping" {
            let json = #"{"status":"Healthy","time_of_last_update":\#(Int(Date().timeIntervalSince1970))}"#
            send(context: context, status: .ok, body: Data(json.utf8), extra: HTTPHeaders())
            return
        }
        if head.method == .GET && path == "/__stops" {
            let json = (try? JSONSerialization.data(withJSONObject: state.stopRecords(), options: [.sortedKeys])) ?? Data("[]".utf8)
            send(context: context, status: .ok, body: json, extra: HTTPHeaders())
            return
        }
        let operation: String
        if head.method == .POST, path.hasPrefix("/runtimes/"), path.hasSuffix("/invocations") {
            operation = "invocations"
        } else if head.method == .POST, path.hasPrefix("/runtimes/"), path.hasSuffix("/stopruntimesession") {
            operation = "stopruntimesession"
        } else {
            sendError(context: context, status: .notFound, type: "ResourceNotFoundException", message: "no such route: \(head.method) \(path)")
            return
        }
        guard let auth = head.headers.first(name: "authorization"), auth.hasPrefix("AWS4-HMAC-SHA256 Credential=") else {
            sendError(context: context, status: .forbidden, type: "AccessDeniedException", message: "Missing or invalid SigV4 Authorization header")
            return
        }
        let session = head.headers.first(name: "x-amzn-bedrock-agentcore-runtime-session-id") ?? ""
        guard (33...256).contains(session.count) else {
            sendError(context: context, status: .badRequest, type: "ValidationException", message: "runtimeSessionId must be 33-256 characters")
            return
        }
        let arnSegment = path.dropFirst("/runtimes/".count).prefix { $0 != "/" }
        let arn = String(arnSegment).removingPercentEncoding ?? String(arnSegment)
        if operation == "stopruntimesession" {
            stopSession(context: context, session: session, arn: arn, qualifier: EventBuilder.parseQuery(query)["qualifier"])
            return
        }
        guard let json = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any],
            let prompt = json["prompt"] as? String
        else {
            sendError(context: context, status: .badRequest, type: "ValidationException", message: "payload must be a JSON object with a string prompt")
            return
        }
        // The stop path reaches this connection through its event loop; the bound value asserts that.
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        let (earlier, streamID) = state.invocationStarted(prompt: prompt, session: session) { streamID in
            eventLoop.execute {
                let (handler, context) = loopBound.value
                handler.endStream(context: context, streamID: streamID)
            }
        }
        stream = (session, streamID, nil)
        let events = DemoScript.events(prompt: prompt, earlier: earlier, sessionID: session)

        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "text/event-stream; charset=utf-8")
        headers.add(name: "transfer-encoding", value: "chunked")
        headers.add(name: "x-amzn-bedrock-agentcore-runtime-session-id", value: session)
        context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
        streamNext(context: context, events: events[...], index: 0)
    }

    /// StopRuntimeSession, answered as botocore's model expects: 200 with the session header (the output
    /// has no body members), or an AWS JSON error.
    private func stopSession(context: ChannelHandlerContext, session: String, arn: String, qualifier: String?) {
        var clientToken: String?
        if body.readableBytes > 0 {
            guard let object = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] else {
                sendError(context: context, status: .badRequest, type: "ValidationException", message: "body must be a JSON object")
                return
            }
            if let token = object["clientToken"] {
                guard let token = token as? String, Self.isClientToken(token) else {
                    sendError(context: context, status: .badRequest, type: "ValidationException",
                              message: "clientToken must be 33-256 letters, digits and inner hyphens")
                    return
                }
                clientToken = token
            }
        }
        let outcome = state.stop(session: session, arn: arn, qualifier: qualifier, clientToken: clientToken)
        var line = "demo-agent: StopRuntimeSession session=\(session) qualifier=\(qualifier ?? "-")"
        switch outcome {
        case .stopped(let ended):
            log(line + " streams_ended=\(ended)")
        case .repeated:
            log(line + " (repeated clientToken)")
        case .notFound:
            line += " -> 404 ResourceNotFoundException (not running)"
            log(line)
            sendError(context: context, status: .notFound, type: "ResourceNotFoundException", message: "Session \(session) not found")
            return
        case .tokenConflict:
            log(line + " -> 409 ConflictException (clientToken used for another session)")
            sendError(context: context, status: .conflict, type: "ConflictException", message: "clientToken was already used for another session")
            return
        }
        var headers = HTTPHeaders()
        headers.add(name: "x-amzn-bedrock-agentcore-runtime-session-id", value: session)
        send(context: context, status: .ok, body: Data("{}".utf8), extra: headers)
    }

    /// botocore's ClientToken shape: 33-256 characters matching `[a-zA-Z0-9](-*[a-zA-Z0-9]){0,256}`.
    static func isClientToken(_ token: String) -> Bool {
        let bytes = Array(token.utf8)
        func isAlphanumeric(_ byte: UInt8) -> Bool {
            (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte)
        }
        guard (33...256).contains(bytes.count), let first = bytes.first, let last = bytes.last,
            isAlphanumeric(first), isAlphanumeric(last)
        else { return false }
        return bytes.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "-") }
    }

    private func streamNext(context: ChannelHandlerContext, events: ArraySlice<String>, index: Int) {
        guard let text = events.first else {
            endStream(context: context, streamID: nil)
            return
        }
        // Thinking takes longer than typing: the first event and each new step pause longer.
        let pause = pauseMs == 0 ? 0 : (index == 0 || text.hasPrefix("Step") ? pauseMs * 2 : pauseMs / 2)
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let rest = events.dropFirst()
        let next = context.eventLoop.scheduleTask(in: .milliseconds(Int64(pause))) {
            let (handler, context) = loopBound.value
            guard context.channel.isActive, handler.stream != nil else { return }
            let encoded = (try? JSONSerialization.data(withJSONObject: text, options: [.fragmentsAllowed, .withoutEscapingSlashes])) ?? Data("\"\"".utf8)
            var buffer = context.channel.allocator.buffer(capacity: encoded.count + 8)
            buffer.writeString("data: ")
            buffer.writeBytes(encoded)
            buffer.writeString("\n\n")
            context.writeAndFlush(handler.wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
            handler.streamNext(context: context, events: rest, index: index + 1)
        }
        if stream != nil { stream?.next = next }
    }

    /// Ends the answer: after the last event, or at once when its session is stopped (`streamID` names the
    /// stopped stream; this connection may have moved on to another). A stopped answer ends with the chunked
    /// terminator (no error event, as a finished one); the connection stays usable, so a client that pools
    /// connections can send the session's next turn on it.
    private func endStream(context: ChannelHandlerContext, streamID: Int?) {
        guard let current = stream, streamID == nil || streamID == current.id else { return }
        stream = nil
        current.next?.cancel()
        state.streamEnded(session: current.session, streamID: current.id)
        guard context.channel.isActive else { return }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    private func sendError(context: ChannelHandlerContext, status: HTTPResponseStatus, type: String, message: String) {
        let body = (try? JSONSerialization.data(withJSONObject: ["message": message])) ?? Data()
        var headers = HTTPHeaders()
        headers.add(name: "x-amzn-ErrorType", value: type)
        send(context: context, status: status, body: body, extra: headers)
    }

    private func send(context: ChannelHandlerContext, status: HTTPResponseStatus, body: Data, extra: HTTPHeaders) {
        var headers = extra
        headers.add(name: "content-type", value: "application/json")
        headers.add(name: "content-length", value: String(body.count))
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        var buffer = context.channel.allocator.buffer(capacity: body.count)
        buffer.writeBytes(body)
        context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
