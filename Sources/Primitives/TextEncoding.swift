/// RFC 3986 percent-encoding, the way AWS signs and routes it.
///
/// `encode` leaves exactly the unreserved characters `A–Z a–z 0–9 - . _ ~` (and the bytes in `safe`) as they
/// are and writes every other UTF-8 byte as `%XX` with upper-case hex. With an empty `safe` set this is
/// botocore's `quote(value, safe='')`, which is how an AgentCore runtime ARN becomes one path segment
/// (`arn:aws:…:runtime/x` → `arn%3Aaws%3A…%3Aruntime%2Fx`); SigV4 encodes its canonical URI with `safe: "/"`.
public enum PercentEncoding {
    private static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)

    /// `string` percent-encoded.
    public static func encode(_ string: String, safe: String = "") -> String {
        encode(bytes: string.utf8, safe: Array(safe.utf8))
    }

    /// Raw bytes percent-encoded (they need not be valid UTF-8, e.g. after `decode`).
    public static func encode(bytes: some Collection<UInt8>, safe: [UInt8] = []) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        for byte in bytes {
            if isUnreserved(byte) || safe.contains(byte) {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0x0f)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes `%XX` sequences into bytes. A `%` not followed by two hex digits is kept literally, and `+`
    /// stays `+`: AWS query strings are RFC 3986, not form-encoded.
    public static func decode(_ string: String) -> [UInt8] {
        let bytes = Array(string.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "%"), i + 2 < bytes.count,
                let high = Hex.value(of: bytes[i + 1]), let low = Hex.value(of: bytes[i + 2])
            {
                out.append(high << 4 | low)
                i += 3
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return out
    }

    /// RFC 3986 §2.3's unreserved set.
    @inline(__always)
    public static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            true
        default:
            false
        }
    }
}

extension BidirectionalCollection where Element == UInt8 {
    /// The bytes without leading and trailing spaces and tabs (HTTP's optional whitespace, RFC 9110 §5.6.3).
    public func trimmingHTTPWhitespace() -> SubSequence {
        var start = startIndex
        var end = endIndex
        while start < end, self[start] == 0x20 || self[start] == 0x09 { formIndex(after: &start) }
        while start < end {
            let last = index(before: end)
            guard self[last] == 0x20 || self[last] == 0x09 else { break }
            end = last
        }
        return self[start..<end]
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs (HTTP's optional whitespace, RFC 9110 §5.6.3).
    ///
    /// Trimmed as bytes, not Characters: a space followed by a combining mark is one Character, which a
    /// Character-wise trim would keep (the pitfall fuzzing found in the header parser).
    public func trimmingHTTPWhitespace() -> String {
        String(decoding: Substring(self).utf8.trimmingHTTPWhitespace(), as: UTF8.self)
    }
}
