import Foundation
import NIOCore
import NIOHTTP1

/// One client connection to the emulated Function URL.
///
/// Collects a request (up to the 6 MB payload limit), answers CORS preflights itself, and otherwise
/// hands the request to the emulator, which either throttles it (429) or makes it an invocation and then
/// drives the response through the `send*` methods. Every write is flushed at once: relaying a stream chunk by chunk is the point.
final class FunctionURLHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let emulator: Emulator
    private var context: ChannelHandlerContext?
    private var head: HTTPRequestHead?
    private var body: ByteBuffer?
    private var bodyTooLarge = false
    private var keepAlive = true
    private var origin: String?
    private var invocation: Invocation?
    private var active = true
    /// HEAD responses carry headers only; NIO's encoder does not know the method, so we drop the body.
    private var isHead = false

    init(emulator: Emulator) {
        self.emulator = emulator
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let requestHead):
            head = requestHead
            body = nil
            bodyTooLarge = false
            keepAlive = requestHead.isKeepAlive
            isHead = requestHead.method == .HEAD
            origin = requestHead.headers.first(name: "origin")
            if requestHead.headers.first(name: "expect")?.lowercased() == "100-continue" {
                // curl waits a second for this before sending bodies over 1 MB.
                context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: requestHead.version, status: .continue))), promise: nil)
            }
        case .body(var chunk):
            guard !bodyTooLarge else { return }
            if (body?.readableBytes ?? 0) + chunk.readableBytes > Limits.payload {
                // Keep reading (and dropping) so the client finishes sending and can read our 413.
                bodyTooLarge = true
                body = nil
            } else if body == nil {
                body = chunk
            } else {
                body?.writeBuffer(&chunk)
            }
        case .end:
            guard let requestHead = head else { return }
            head = nil
            if bodyTooLarge {
                var headers = HTTPHeaders()
                headers.add(name: "content-type", value: "application/json")
                sendComplete(status: .payloadTooLarge, headers: headers,
                             body: jsonBuffer(["message": "Request must be smaller than 6291456 bytes for the InvokeFunction operation"]))
                log("request \(requestHead.method) \(requestHead.uri) rejected: body over \(Limits.payload) bytes")
                return
            }
            if let cors = emulator.cors, CORSConfig.isPreflight(requestHead) {
                var headers = cors.preflightHeaders(for: requestHead)
                headers.add(name: "content-length", value: "0")
                writeHead(status: .ok, headers: headers, decorate: false)
                finishResponse()
                return
            }
            let sourceIP = context.channel.remoteAddress?.ipAddress ?? "127.0.0.1"
            switch emulator.admit(head: requestHead, body: body, sourceIP: sourceIP, client: self) {
            case .accepted(let admitted):
                invocation = admitted
            case .throttled(let headers, let throttle):
                sendComplete(status: .tooManyRequests, headers: headers, body: throttle)
            }
            body = nil
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        active = false
        if let invocation {
            self.invocation = nil
            emulator.clientGone(invocation)
        }
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        invocation?.onClientWritabilityChanged?(context.channel.isWritable)
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Resets from a client that left mid-stream are routine; the invocation carries on without it.
        context.close(promise: nil)
    }

    // MARK: Response side, driven by the emulator

    func sendStreamingHead(status: HTTPResponseStatus, headers: HTTPHeaders) {
        var headers = headers
        // No Content-Length: NIO then frames the body with chunked encoding, one chunk per write.
        headers.remove(name: "content-length")
        writeHead(status: status, headers: headers, decorate: true)
    }

    func sendBodyPart(_ buffer: ByteBuffer) {
        guard active, !isHead, let context else { return }
        context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
    }

    func sendEnd() {
        finishResponse()
    }

    func sendComplete(status: HTTPResponseStatus, headers: HTTPHeaders, body: ByteBuffer) {
        var headers = headers
        headers.replaceOrAdd(name: "content-length", value: String(body.readableBytes))
        writeHead(status: status, headers: headers, decorate: true)
        if body.readableBytes > 0, active, !isHead, let context {
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        }
        finishResponse()
    }

    func abort() {
        invocation?.onClientWritabilityChanged?(true)
        invocation = nil
        guard active, let context else { return }
        context.close(promise: nil)
    }

    private func writeHead(status: HTTPResponseStatus, headers: HTTPHeaders, decorate: Bool) {
        guard active, let context else { return }
        var headers = headers
        if decorate, let cors = emulator.cors {
            cors.decorate(&headers, origin: origin)
        }
        if !keepAlive { headers.replaceOrAdd(name: "connection", value: "close") }
        headers.replaceOrAdd(name: "date", value: Self.httpDate())
        context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
    }

    private func finishResponse() {
        invocation?.onClientWritabilityChanged?(true)
        invocation = nil
        guard active, let context else { return }
        let closeAfter = !keepAlive
        let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if closeAfter {
            written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }

    private static func httpDate() -> String {
        var seconds = time_t(epochMilliseconds() / 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        var buffer = [CChar](repeating: 0, count: 64)
        let count = strftime(&buffer, buffer.count, "%a, %d %b %Y %H:%M:%S GMT", &parts)
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
