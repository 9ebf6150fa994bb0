import Foundation
import NIOCore
import NIOHTTP1

/// One connection from the child to the Runtime API (2018-06-01).
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
    private var context: ChannelHandlerContext?
    private var request: Request?
    private var active = true

    init(emulator: Emulator) {
        self.emulator = emulator
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
                emulator.nextRequested(by: self)
            case .response(let relay):
                let (status, body) = relay.finish(trailers: trailers)
                relay.releaseBackpressure()
                respond(status, body)
            case .invocationError(let invocation, let type, let body):
                emulator.invocationError(invocation, errorType: type, body: body)
                respond(.accepted, jsonBuffer(["status": "OK"]))
            case .initError(let type, let body):
                emulator.initError(errorType: type, body: body)
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
        emulator.runtimeConnectionClosed(self)
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
            switch emulator.admitResponse(id: parts[1]) {
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
            switch emulator.admitResponse(id: parts[1]) {
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

/// Moves one `/response` body from the runtime to the client.
///
/// Streaming mode (`Lambda-Runtime-Function-Response-Mode: streaming`) relays bytes as they arrive,
/// decoding the HTTP-integration prelude first when the content type asks for it. Buffered mode
/// collects the payload (6 MB cap) and interprets it the way a BUFFERED Function URL does.
final class ResponseRelay {
    static let httpIntegrationType = "application/vnd.awslambda.http-integration-response"
    /// Preludes are small JSON objects; anything this long without the delimiter is a broken runtime.
    static let maxPrelude = 1024 * 1024

    private enum Phase {
        case prelude(ByteBuffer)
        case streaming
        case buffered(ByteBuffer)
        /// The invocation already ended (too large, timed out, failed): drop what still arrives.
        case discarding
    }

    private let invocation: Invocation
    private let emulator: Emulator
    private let streaming: Bool
    private var phase: Phase
    private var streamedBytes = 0
    private var runtimeStatus = HTTPResponseStatus.accepted
    private var runtimeAnswer = jsonBuffer(["status": "OK"])

    init(invocation: Invocation, head: HTTPRequestHead, emulator: Emulator) {
        self.invocation = invocation
        self.emulator = emulator
        // Exact, case-sensitive match, as RAPID does.
        streaming = head.headers.first(name: "lambda-runtime-function-response-mode") == "streaming"
        let contentType = head.headers.first(name: "content-type")
        if !streaming {
            phase = .buffered(ByteBuffer())
        } else if contentType?.lowercased().hasPrefix(Self.httpIntegrationType) == true {
            phase = .prelude(ByteBuffer())
        } else {
            phase = .streaming
            var headers = HTTPHeaders()
            headers.add(name: "content-type", value: contentType ?? "application/octet-stream")
            invocation.sendHead(status: .ok, headers: headers)
        }
    }

    func receive(_ chunk: ByteBuffer) {
        if invocation.state == .done { phase = .discarding }
        switch phase {
        case .discarding:
            return
        case .buffered(var collected):
            phase = .discarding
            if collected.readableBytes + chunk.readableBytes > Limits.payload {
                var headers = HTTPHeaders()
                headers.add(name: "content-type", value: "application/json")
                invocation.sendComplete(status: .badGateway, headers: headers, body: errorBody(
                    "Response payload size exceeded maximum allowed payload size (\(Limits.payloadMessageBytes) bytes).",
                    type: "Function.ResponseSizeTooLarge"))
                emulator.responseFinished(invocation, note: "Function.ResponseSizeTooLarge (buffered)")
                runtimeStatus = .payloadTooLarge
                runtimeAnswer = errorBody(
                    "Exceeded maximum allowed payload size (\(Limits.payloadMessageBytes) bytes).", type: "RequestEntityTooLarge")
                return
            }
            var chunk = chunk
            collected.writeBuffer(&chunk)
            phase = .buffered(collected)
        case .prelude(var collected):
            var chunk = chunk
            collected.writeBuffer(&chunk)
            guard let delimiter = Self.delimiterOffset(in: collected) else {
                if collected.readableBytes > Self.maxPrelude {
                    phase = .discarding
                    emulator.fail(invocation, errorType: "Runtime.InvalidResponsePrelude", message: "no prelude delimiter in the first \(Self.maxPrelude) bytes")
                } else {
                    phase = .prelude(collected)
                }
                return
            }
            guard let preludeBytes = collected.readSlice(length: delimiter) else { return }
            collected.moveReaderIndex(forwardBy: 8)
            guard let prelude = (try? JSONSerialization.jsonObject(with: Data(preludeBytes.readableBytesView))) as? [String: Any] else {
                phase = .discarding
                emulator.fail(invocation, errorType: "Runtime.InvalidResponsePrelude", message: "prelude is not a JSON object")
                return
            }
            let code = (prelude["statusCode"] as? NSNumber)?.intValue ?? Int(prelude["statusCode"] as? String ?? "") ?? 200
            let headers = clientHeaders(from: prelude["headers"], cookies: prelude["cookies"])
            invocation.sendHead(status: HTTPResponseStatus(statusCode: code), headers: headers)
            phase = .streaming
            forward(collected)
        case .streaming:
            forward(chunk)
        }
    }

    private func forward(_ chunk: ByteBuffer) {
        guard chunk.readableBytes > 0 else { return }
        let room = Limits.streamed - streamedBytes
        if chunk.readableBytes > room {
            if room > 0, let part = chunk.getSlice(at: chunk.readerIndex, length: room) {
                invocation.sendBody(part)
            }
            streamedBytes = Limits.streamed
            log("\(invocation.id) Function.ResponseSizeTooLarge: streamed response over \(Limits.streamed) bytes, cut")
            invocation.sendEnd()
            emulator.responseFinished(invocation, note: "Function.ResponseSizeTooLarge (streamed)")
            phase = .discarding
            runtimeStatus = .payloadTooLarge
            runtimeAnswer = errorBody("Exceeded maximum allowed payload size (\(Limits.streamed) bytes).", type: "RequestEntityTooLarge")
            return
        }
        streamedBytes += chunk.readableBytes
        invocation.sendBody(chunk)
    }

    /// The runtime's body ended; returns what to answer the runtime.
    func finish(trailers: HTTPHeaders?) -> (HTTPResponseStatus, ByteBuffer) {
        var note: String?
        if let trailers, let type = trailers.first(name: "lambda-runtime-function-error-type") {
            let encoded = trailers.first(name: "lambda-runtime-function-error-body") ?? ""
            let decoded = Data(base64Encoded: encoded).map { String(decoding: $0, as: UTF8.self) } ?? "(not base64: \(encoded))"
            // Clients cannot see trailers through a Function URL; the body simply ends. Logs are where they surface.
            log("\(invocation.id) mid-stream error \(type): \(decoded)")
            note = "trailer error \(type)"
        }
        if invocation.state == .done { phase = .discarding }
        switch phase {
        case .discarding:
            break
        case .streaming:
            invocation.sendEnd()
            emulator.responseFinished(invocation, note: note)
        case .prelude(let collected):
            emulator.fail(invocation, errorType: "Runtime.InvalidResponsePrelude",
                          message: "response ended before the prelude delimiter (\(collected.readableBytes) bytes)")
        case .buffered(let collected):
            deliverBuffered(collected)
            emulator.responseFinished(invocation, note: note)
        }
        phase = .discarding
        return (runtimeStatus, runtimeAnswer)
    }

    /// Restores normal reading on the runtime connection (kept alive for its next `/next`) and unhooks it.
    func releaseBackpressure() {
        invocation.onClientWritabilityChanged?(true)
        invocation.onClientWritabilityChanged = nil
    }

    /// The runtime's connection closed before the body ended.
    func runtimeVanished() {
        guard invocation.state != .done else { return }
        emulator.runtimeVanished(during: invocation)
    }

    /// A BUFFERED Function URL reads a JSON object with `statusCode` as an HTTP response; any other
    /// payload goes to the client verbatim as a 200 application/json.
    private func deliverBuffered(_ payload: ByteBuffer) {
        let object = (try? JSONSerialization.jsonObject(with: Data(payload.readableBytesView), options: [.fragmentsAllowed])) as? [String: Any]
        guard let object, let rawCode = object["statusCode"] else {
            var headers = HTTPHeaders()
            headers.add(name: "content-type", value: "application/json")
            invocation.sendComplete(status: .ok, headers: headers, body: payload)
            return
        }
        let code = (rawCode as? NSNumber)?.intValue ?? Int(rawCode as? String ?? "") ?? 200
        let headers = clientHeaders(from: object["headers"], cookies: object["cookies"])
        var body = ByteBuffer()
        switch object["body"] {
        case let text as String:
            if (object["isBase64Encoded"] as? Bool) == true, let data = Data(base64Encoded: text) {
                body = ByteBuffer(bytes: data)
            } else {
                body = ByteBuffer(string: text)
            }
        case .none, is NSNull:
            break
        case let other?:
            body = jsonBuffer(other)
        }
        invocation.sendComplete(status: HTTPResponseStatus(statusCode: code), headers: headers, body: body)
    }

    /// Offset of the first run of 8 NUL bytes (the prelude/body delimiter), found by bytes so it does not
    /// matter how the runtime split its writes into chunks.
    static func delimiterOffset(in buffer: ByteBuffer) -> Int? {
        var run = 0
        for (index, byte) in buffer.readableBytesView.enumerated() {
            if byte == 0 {
                run += 1
                if run == 8 { return index - 7 }
            } else {
                run = 0
            }
        }
        return nil
    }
}
