// Base64 (Lambda's error trailers, binary Function URL bodies, JWT parts, JWK members).
// Invariants: no crash; every bytes→text→bytes round trip returns the bytes in all four alphabet/padding
// combinations, at the expected length; decoding any text (the input read as text) agrees with a plain
// reference decoder: either alphabet, CR/LF ignored, at most two '=' only at the end, no lone final character.
import FuzzSupport
import Primitives

enum FuzzBase64: FuzzTarget {
    static let name = "base64"

    static let values: [UInt8: UInt8] = {
        var table: [UInt8: UInt8] = [:]
        for (i, c) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8.enumerated() { table[c] = UInt8(i) }
        table[UInt8(ascii: "+")] = 62
        table[UInt8(ascii: "-")] = 62
        table[UInt8(ascii: "/")] = 63
        table[UInt8(ascii: "_")] = 63
        return table
    }()

    static func referenceDecode(_ text: [UInt8]) -> [UInt8]? {
        var chars = text.filter { $0 != 0x0A && $0 != 0x0D }
        var padding = 0
        while chars.last == UInt8(ascii: "=") {
            chars.removeLast()
            padding += 1
        }
        guard padding <= 2 else { return nil }
        var sextets: [UInt8] = []
        for c in chars {
            guard let v = values[c] else { return nil }
            sextets.append(v)
        }
        guard sextets.count % 4 != 1 else { return nil }
        var out: [UInt8] = []
        var i = 0
        while i < sextets.count {
            let group = Array(sextets[i..<min(i + 4, sextets.count)])
            var n: UInt32 = 0
            for (k, s) in group.enumerated() { n |= UInt32(s) << UInt32(18 - 6 * k) }
            let bytes = [UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)]
            out += bytes.prefix(group.count - 1)
            i += 4
        }
        return out
    }

    static func run(_ input: [UInt8]) {
        for alphabet in [Base64.Alphabet.standard, .urlSafe] {
            for padding in [true, false] {
                let encoded = Base64.encode(input, alphabet: alphabet, padding: padding)
                let expectedLength = padding ? (input.count + 2) / 3 * 4 : (input.count * 4 + 2) / 3
                require(encoded.utf8.count == expectedLength, "\(input.count) bytes encoded to \(encoded.utf8.count) characters")
                require(Base64.decode(encoded) == input, "round trip failed for \(show(input)) (\(alphabet), padding \(padding))")
            }
        }
        let text = String(decoding: input, as: UTF8.self)
        let decoded = Base64.decode(text)
        let expected = referenceDecode(Array(text.utf8))
        require(decoded == expected, "decode(\(show(Array(text.utf8)))) = \(decoded.map { show($0) } ?? "nil"), expected \(expected.map { show($0) } ?? "nil")")
    }
}
