import Foundation
import NIOCore
import NIOHTTP1

/// One connection from an environment's child to its Runtime API (2018-06-01).
///
/// Routes `/next` (parked until work exists), `/response` (streamed or buffered), `/error` and
/// `/init/error`. Request bodies are consumed as they arrive so a streamed response reaches the
/// client without waiting for the runtime to finish.
final class RuntimeAPIHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private enum Request {
        case next
        case response(ResponseRelay)
        case invocationError(Invocation, errorType: String?, body: ByteBuffer)
        case initError(errorType: String?, body: ByteBuffer)
        /// Drain the body, then answer with this.
        case reject(HTTPResponseStatus, ByteBuffer)
    }

    private let emulator: Emulator
    private let environment: ExecutionEnvironment
    private var context: ChannelHandlerContext?
    private var request: Request?
    private var active = true

    init(emulator: Emulator, environment: ExecutionEnvironment) {
        self.emulator = emulator
        self.environment = environment
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            request = route(head)
        case .body(let chunk):
            switch request {
            case .response(let relay):
                relay.receive(chunk)
            case .invocationError(let invocation, let type, var body):
                var chunk = chunk
                if body.readableBytes < Limits.payload { body.writeBuffer(&chunk) }
                request = .invocationError(invocation, errorType: type, body: body)
            case .initError(let type, var body):
                var chunk = chunk
                if body.readableBytes < Limits.payload { body.writeBuffer(&chunk) }
                request = .initError(errorType: type, body: body)
            case .next, .reject, .none:
                break
            }
        case .end(let trailers):
            let finished = request
            request = nil
            switch finished {
            case .next:
                emulator.nextRequested(in: environment, by: self)
            case .response(let relay):
                let (status, body) = relay.finish(trailers: trailers)
                relay.releaseBackpressure()
                respond(status, body)
            case .invocationError(let invocation, let type, let body):
                emulator.invocationError(invocation, errorType: type, body: body)
                respond(.accepted, jsonBuffer(["status": "OK"]))
            case .initError(let type, let body):
                emulator.initError(in: environment, errorType: type, body: body)
                respond(.accepted, jsonBuffer(["status": "OK"]))
            case .reject(let status, let body):
                respond(status, body)
            case .none:
                break
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        active = false
        if case .response(let relay) = request {
            relay.releaseBackpressure()
            relay.runtimeVanished()
        }
        request = nil
        emulator.runtimeConnectionClosed(self, in: environment)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A runtime killed mid-request leaves a half-parsed message; channelInactive does the cleanup.
        context.close(promise: nil)
    }

    private func route(_ head: HTTPRequestHead) -> Request {
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        let prefix = "/2018-06-01/runtime/"
        guard path.hasPrefix(prefix) else { return notFound(head) }
        let parts = path.dropFirst(prefix.count).split(separator: "/").map(String.init)
        let errorType = head.headers.first(name: "lambda-runtime-function-error-type")
        switch (head.method, parts.count, parts.first, parts.last) {
        case (.GET, 2, "invocation", "next"):
            return .next
        case (.POST, 2, "init", "error"):
            return .initError(errorType: errorType, body: ByteBuffer())
        case (.POST, 3, "invocation", "response"):
            switch emulator.admitResponse(id: parts[1], in: environment) {
            case .accepted(let invocation):
                let relay = ResponseRelay(invocation: invocation, head: head, emulator: emulator)
                if let channel = context?.channel {
                    invocation.onClientWritabilityChanged = { writable in
                        // autoRead off stops NIO reading the runtime's socket; TCP then slows the runtime.
                        try? channel.syncOptions?.setOption(.autoRead, value: writable)
                        if writable { channel.read() }
                    }
                }
                return .response(relay)
            case .rejected(let status, let body):
                return .reject(status, body)
            }
        case (.POST, 3, "invocation", "error"):
            switch emulator.admitResponse(id: parts[1], in: environment) {
            case .accepted(let invocation):
                return .invocationError(invocation, errorType: errorType, body: ByteBuffer())
            case .rejected(let status, let body):
                return .reject(status, body)
            }
        default:
            return notFound(head)
        }
    }

    private func notFound(_ head: HTTPRequestHead) -> Request {
        log("runtime API: unknown request \(head.method) \(head.uri)")
        return .reject(.notFound, errorBody("Unknown Runtime API path \(head.uri)", type: "NotFound"))
    }

    /// Answers a parked `/next` with the event.
    func sendNext(headers: HTTPHeaders, body: ByteBuffer) {
        var headers = headers
        headers.replaceOrAdd(name: "content-length", value: String(body.readableBytes))
        write(status: .ok, headers: headers, body: body)
    }

    /// Answers a `/next` the emulator will not park (too many open at once).
    func reject(_ status: HTTPResponseStatus, _ body: ByteBuffer) {
        respond(status, body)
    }

    private func respond(_ status: HTTPResponseStatus, _ body: ByteBuffer) {
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "application/json")
        headers.add(name: "content-length", value: String(body.readableBytes))
        write(status: status, headers: headers, body: body)
    }

    private func write(status: HTTPResponseStatus, headers: HTTPHeaders, body: ByteBuffer) {
        guard active, let context else { return }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
