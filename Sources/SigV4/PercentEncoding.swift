/// Percent-encodes `string` per RFC 3986: every UTF-8 byte except the unreserved characters
/// `A–Z a–z 0–9 - . _ ~` and the bytes in `safe` becomes `%XX` (upper-case hex).
///
/// With the default empty `safe` this is botocore's `quote(value, safe='')` / JavaScript's `encodeURIComponent`
/// minus its extra marks, which is how an AgentCore runtime ARN becomes one path segment:
/// `arn:aws:…:runtime/x` → `arn%3Aaws%3A…%3Aruntime%2Fx`. SigV4 also uses it (with `safe: "/"`) to encode the
/// canonical URI and (with no safe set) query keys and values.
public func percentEncode(_ string: String, safe: String = "") -> String {
    percentEncodeBytes(string.utf8, safe: Array(safe.utf8))
}

/// RFC 3986 §2.3 unreserved set; SigV4 leaves exactly these bytes unencoded.
@inline(__always)
func isUnreserved(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
         UInt8(ascii: "0")...UInt8(ascii: "9"),
         UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
        return true
    default:
        return false
    }
}

/// Decodes `%XX` sequences into bytes; a `%` not followed by two hex digits is kept literally (it is then
/// re-encoded as `%25`), and `+` is kept as `+` because SigV4 query strings are RFC 3986, not form-encoded.
func percentDecode(_ string: String) -> [UInt8] {
    let bytes = Array(string.utf8)
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count)
    var i = 0
    while i < bytes.count {
        if bytes[i] == UInt8(ascii: "%"), i + 2 < bytes.count,
           let high = hexValue(bytes[i + 1]), let low = hexValue(bytes[i + 2]) {
            out.append(high << 4 | low)
            i += 3
        } else {
            out.append(bytes[i])
            i += 1
        }
    }
    return out
}

private func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
    default: return nil
    }
}

/// Percent-encodes raw bytes, leaving unreserved bytes and those in `safe` as they are (also used after
/// `percentDecode`, whose output need not be valid UTF-8).
func percentEncodeBytes(_ bytes: some Collection<UInt8>, safe: [UInt8] = []) -> String {
    let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)
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
