// RFC 3986 percent-encoding (AgentCore ARNs in paths, SigV4 canonical query, Runtime API request ids).
// Invariants: no crash; encoding leaves only unreserved characters and upper-case %XX and decodes back to
// the input bytes; decoding any text agrees with a reference (valid %XX decoded, anything else literal).
import FuzzSupport
import Primitives

enum FuzzPercent: FuzzTarget {
    static let name = "percent"

    static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): b - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): b - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): b - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    static func referenceDecode(_ text: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        while i < text.count {
            if text[i] == UInt8(ascii: "%"), i + 2 < text.count,
                let h = hexValue(text[i + 1]), let l = hexValue(text[i + 2])
            {
                out.append(h << 4 | l)
                i += 3
            } else {
                out.append(text[i])
                i += 1
            }
        }
        return out
    }

    static func run(_ input: [UInt8]) {
        let encoded = Array(PercentEncoding.encode(bytes: input).utf8)
        var i = 0
        while i < encoded.count {
            if encoded[i] == UInt8(ascii: "%") {
                require(i + 2 < encoded.count, "truncated escape in \(show(encoded))")
                let pair = encoded[(i + 1)...(i + 2)]
                require(pair.allSatisfy { (48...57).contains($0) || (65...70).contains($0) }, "bad escape in \(show(encoded))")
                i += 3
            } else {
                require(PercentEncoding.isUnreserved(encoded[i]), "reserved byte left in \(show(encoded))")
                i += 1
            }
        }
        require(PercentEncoding.decode(String(decoding: encoded, as: UTF8.self)) == input, "round trip failed for \(show(input))")
        let text = String(decoding: input, as: UTF8.self)
        let decoded = PercentEncoding.decode(text)
        require(decoded == referenceDecode(Array(text.utf8)), "decode(\(show(Array(text.utf8)))) = \(show(decoded))")
        let slashSafe = PercentEncoding.encode(text, safe: "/")
        require(PercentEncoding.decode(slashSafe) == Array(text.utf8), "round trip with safe '/' failed")
    }
}
