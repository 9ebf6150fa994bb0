import Foundation
import NIOCore
import NIOHTTP1

/// Moves one `/response` body from the runtime to the client.
///
/// Behind a RESPONSE_STREAM URL, a streamed response (`Lambda-Runtime-Function-Response-Mode: streaming`) is
/// relayed as it arrives, the HTTP-integration prelude decoded first when the content type asks for it.
/// A buffered response, or any response behind a BUFFERED URL (`--invoke-mode BUFFERED`), is collected
/// (6 MB cap) and read the way a BUFFERED Function URL reads it: a payload-2.0 result object when it is one,
/// otherwise the body of a 200. A streamed prelude is then just payload bytes, as it is on Lambda.
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
        if !streaming || emulator.settings.invokeMode == .buffered {
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

    /// A JSON object with `statusCode` is a payload-2.0 result (`statusCode`, `headers`, `cookies`, `body`,
    /// `isBase64Encoded`); any other payload goes to the client verbatim as a 200 application/json, which is
    /// what a Function URL does with a result that is not such an object.
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
    /// matter how the runtime split its writes into chunks. Scans raw memory: iterating the buffer's view
    /// byte by byte cost more than the rest of the relay in a debug build.
    static func delimiterOffset(in buffer: ByteBuffer) -> Int? {
        buffer.withUnsafeReadableBytes { bytes in
            var run = 0
            for index in 0..<bytes.count {
                if bytes[index] == 0 {
                    run += 1
                    if run == 8 { return index - 7 }
                } else {
                    run = 0
                }
            }
            return nil
        }
    }
}
