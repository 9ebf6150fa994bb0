import CurlHTTP
import Primitives
import LambdaHTTP
import LambdaRuntime
import TinyJSON

/// A diagnostic handler that exercises the runtime end to end without an agent.
///
/// `POST /echo` streams each word of the body back as an SSE `chunk` frame, `delay_ms` apart
/// (query parameter, default 0). `fail=before|after` throws before or after the first frame;
/// `GET /bytes?n=N&mode=buffered|stream` answers N bytes. Selected with `AGENTSTREAM_HANDLER=echo`.
public struct EchoHandler: LambdaHandler {
    /// The handler; stateless.
    public init() {}

    public func handle(event: [UInt8], context: LambdaContext, writer: any LambdaResponseWriter) async throws {
        let started = MonotonicClock.now.nanoseconds
        let request = try FunctionURLRequest(event: event)
        let query = request.queryStringParameters
        switch (request.method, request.rawPath) {
        case ("POST", "/echo"):
            guard let delayMs = Self.integer(query["delay_ms"], in: 0...60_000) else {
                try await Self.badRequest(writer, "delay_ms must be an integer from 0 to 60000", field: "delay_ms")
                return
            }
            if query["fail"] == "before" { throw EchoError(errorMessage: "failure requested before the first byte") }
            try writer.writeHead(status: 200, headers: SSE.headers)
            try await writer.write(SSE.metadata(requestID: context.requestID, sessionID: "echo", agent: "echo"))
            let words = String(decoding: request.body, as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\n" })
            for (i, word) in words.enumerated() {
                if delayMs > 0, i > 0 { try await CurlClient.sleep(until: MonotonicClock.now.advanced(byMilliseconds: Int64(delayMs))) }
                try await writer.write(SSE.chunk(text: String(word)))
                if i == 0, query["fail"] == "after" {
                    // The in-band frame is what a browser sees; the thrown error becomes the trailers.
                    let failure = EchoError(errorMessage: "failure requested after the first frame")
                    try await writer.write(SSE.error(code: failure.errorType, message: failure.errorMessage, retryable: false))
                    throw failure
                }
            }
            let elapsed = Int((MonotonicClock.now.nanoseconds - started) / 1_000_000)
            try await writer.write(SSE.complete(executionTimeMs: elapsed))
        case ("GET", "/bytes"):
            guard let n = Self.integer(query["n"], in: 0...(300 << 20)) else {
                try await Self.badRequest(writer, "n must be an integer from 0 to \(300 << 20)", field: "n")
                return
            }
            let payload = [UInt8](repeating: UInt8(ascii: "x"), count: n)
            if query["mode"] == "buffered" {
                try await writer.respondBuffered(payload, contentType: "text/plain")
            } else {
                try writer.writeHead(status: 200, headers: [("content-type", "text/plain")])
                var offset = 0
                while offset < n {
                    let end = min(n, offset + 65536)
                    try await writer.write(Array(payload[offset..<end]))
                    offset = end
                }
            }
        default:
            try writer.writeHead(status: 404, headers: [("content-type", "application/json")])
            try await writer.write(#"{"error":"not_found","message":"no route for this method and path"}"#)
        }
    }
}

extension EchoHandler {
    /// A query parameter as an integer in `range`; absent means 0, anything else unusable is nil.
    static func integer(_ text: String?, in range: ClosedRange<Int>) -> Int? {
        guard let text else { return 0 }
        guard let value = Int(text), range.contains(value) else { return nil }
        return value
    }

    static func badRequest(_ writer: any LambdaResponseWriter, _ message: String, field: String) async throws {
        try writer.writeHead(status: 400, headers: [("content-type", "application/json")])
        let body: JSONValue = ["error": "validation", "message": .string(message), "fields": [.string(field)]]
        try await writer.write(body.serialized())
    }
}

struct EchoError: LambdaFunctionError {
    let errorMessage: String
    var errorType: String { "EchoFailure" }
}
