import Foundation
import NIOCore
import NIOHTTP1

/// Writes one line to stderr. `write(2)` rather than `FileHandle`/`stderr` keeps it usable from any thread
/// without touching C globals that Swift 6 treats as unsafe shared state.
func log(_ message: String) {
    let line = "lambda-local: \(message)\n"
    line.utf8CString.withUnsafeBufferPointer { buf in
        // The C string carries a trailing NUL we must not emit.
        var offset = 0
        let total = buf.count - 1
        while offset < total {
            let n = write(2, buf.baseAddress.map { $0 + offset }, total - offset)
            if n <= 0 { break }
            offset += n
        }
    }
}

/// Serialises a JSON object (dictionaries, arrays, strings, numbers, bools, NSNull) into a buffer.
/// Slashes stay unescaped so paths in events read like the ones AWS sends. Keys are not sorted: every event
/// goes through here, and sorting them was the largest single cost of an invocation in the emulator.
func jsonBuffer(_ object: Any) -> ByteBuffer {
    let data = (try? JSONSerialization.data(withJSONObject: object, options: [.withoutEscapingSlashes]))
        ?? Data("{}".utf8)
    return ByteBuffer(bytes: data)
}

/// The `{"errorMessage","errorType"}` body both the Runtime API and the emulator use for errors.
func errorBody(_ message: String, type: String) -> ByteBuffer {
    jsonBuffer(["errorMessage": message, "errorType": type])
}

/// Wall-clock milliseconds since the Unix epoch (deadlines and `timeEpoch` are wall-clock by contract).
func epochMilliseconds() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
}

/// Lowercase hex of `count` random bytes, for trace ids and log stream names.
func randomHex(bytes count: Int) -> String {
    var generator = SystemRandomNumberGenerator()
    let digits = Array("0123456789abcdef")
    var out = ""
    for _ in 0..<count {
        let byte = UInt8.random(in: 0...255, using: &generator)
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0x0f)])
    }
    return out
}

/// A fresh Lambda-style request id (lowercase UUID).
func newRequestID() -> String {
    UUID().uuidString.lowercased()
}

/// An X-Ray style trace header: `Root=1-<epoch hex>-<24 hex>;Parent=<16 hex>;Sampled=0`.
func newTraceID() -> String {
    let seconds = String(epochMilliseconds() / 1000, radix: 16)
    return "Root=1-\(seconds)-\(randomHex(bytes: 12));Parent=\(randomHex(bytes: 8));Sampled=0"
}

/// Content types a Function URL hands to the function as text rather than base64.
func isTextualContentType(_ contentType: String?) -> Bool {
    guard let contentType else { return false }
    let mime = contentType.split(separator: ";", maxSplits: 1).first.map {
        $0.trimmingCharacters(in: .whitespaces).lowercased()
    } ?? ""
    if mime.hasPrefix("text/") { return true }
    let exact: Set<String> = [
        "application/json", "application/x-www-form-urlencoded", "application/xml",
        "application/javascript", "application/graphql",
    ]
    return exact.contains(mime) || mime.hasSuffix("+json") || mime.hasSuffix("+xml")
}

/// Header names that describe one hop's framing. Forwarding the function's values would corrupt the
/// framing NIO computes for the client connection, so they are dropped or renamed.
let hopByHopHeaders: Set<String> = ["transfer-encoding", "connection", "keep-alive", "upgrade", "trailer"]

/// Converts the function's `headers` object (prelude or buffered response) into client headers:
/// values are stringified, `content-length` becomes `x-amzn-remapped-content-length` like AWS does,
/// and hop-by-hop headers are dropped; `cookies` become one `Set-Cookie` each.
func clientHeaders(from object: Any?, cookies: Any?) -> HTTPHeaders {
    var result = HTTPHeaders()
    if let dict = object as? [String: Any] {
        for (name, value) in dict.sorted(by: { $0.key < $1.key }) {
            let lower = name.lowercased()
            if hopByHopHeaders.contains(lower) { continue }
            let text: String
            switch value {
            case let s as String: text = s
            case let n as NSNumber: text = n.stringValue
            case let list as [Any]: text = list.map { "\($0)" }.joined(separator: ",")
            default: text = "\(value)"
            }
            result.add(name: lower == "content-length" ? "x-amzn-remapped-content-length" : name, value: text)
        }
    }
    if let list = cookies as? [Any] {
        for cookie in list {
            if let s = cookie as? String { result.add(name: "set-cookie", value: s) }
        }
    }
    return result
}