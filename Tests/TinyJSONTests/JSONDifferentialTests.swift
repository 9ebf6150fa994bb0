import Testing
import TinyJSON

/// A small deterministic PRNG (SplitMix64): every run tests the same inputs, and a failure names its seed.
struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func chance(_ oneIn: Int) -> Bool { below(oneIn) == 0 }
    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}

/// Writes random valid documents together with the value each must parse to.
struct DocumentGenerator {
    var rng: SplitMix64

    mutating func whitespace() -> String {
        guard rng.chance(3) else { return "" }
        return String((0..<(1 + rng.below(3))).map { _ in rng.pick([" ", "\t", "\n", "\r", " "]) })
    }

    mutating func number() -> (String, Double) {
        var text = rng.chance(3) ? "-" : ""
        switch rng.below(8) {
        case 0: text += "0"
        case 1: text += String(rng.below(10))
        case 2: text += String(rng.next() % 1_000_000_000_000_000)  // up to 18 digits: both conversion paths
        case 3: text += "1" + String(repeating: "0", count: rng.below(30))
        case 4: text += String(repeating: "9", count: 1 + rng.below(400))  // far beyond Double's range at the top
        default: text += String(1 + rng.below(99_999))
        }
        if rng.chance(2) {
            text += "." + String(repeating: "0", count: rng.chance(3) ? rng.below(25) : 0) + String(rng.next() % 10_000_000)
        }
        if rng.chance(3) {
            text += rng.pick(["e", "E"]) + rng.pick(["", "+", "-"])
            text += rng.chance(6) ? String(rng.below(2000)) : String(rng.below(25))
        }
        // The reference is the standard library's correctly rounded conversion.
        return (text, Double(text) ?? .nan)
    }

    mutating func string() -> (String, String) {
        var json = "\""
        var value = ""
        for _ in 0..<rng.below(12) {
            switch rng.below(14) {
            case 0: json += #"\""#; value += "\""
            case 1: json += #"\\"#; value += "\\"
            case 2: json += #"\/"#; value += "/"
            case 3:
                let (e, c) = rng.pick([("b", "\u{8}"), ("f", "\u{C}"), ("n", "\n"), ("r", "\r"), ("t", "\t")])
                json += "\\" + e
                value += c
            case 4:
                // A \u escape of any non-surrogate BMP scalar, in either case of hex digit.
                var v = UInt32(rng.below(0x10000))
                if (0xD800..<0xE000).contains(v) { v = UInt32(rng.below(0xD800)) }
                let hex = String(v, radix: 16, uppercase: rng.chance(2))
                json += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                value.unicodeScalars.append(Unicode.Scalar(v) ?? "?")
            case 5:
                // A surrogate pair.
                let v = 0x10000 + UInt32(rng.below(0x100000))
                let high = 0xD800 + ((v - 0x10000) >> 10)
                let low = 0xDC00 + ((v - 0x10000) & 0x3FF)
                json += "\\u" + String(high, radix: 16) + "\\u" + String(low, radix: 16, uppercase: true)
                value.unicodeScalars.append(Unicode.Scalar(v) ?? "?")
            case 6:
                // Raw UTF-8 of one to four bytes.
                let scalar = rng.pick(["é", "ß", "€", "✈", "中", "😀", "\u{10FFFF}", "\u{7F}", "\u{80}", "\u{7FF}", "\u{FFFD}"])
                json += scalar
                value += scalar
            default:
                let word = rng.pick(["a", "text", "error", "error_type", " ", "delta", "0", "{", "]", ":", ","])
                json += word
                value += word
            }
        }
        return (json + "\"", value)
    }

    mutating func value(depth: Int) -> (String, JSONValue) {
        let kind = depth >= 4 ? rng.below(6) : rng.below(8)
        switch kind {
        case 0: return ("null", .null)
        case 1: return rng.chance(2) ? ("true", true) : ("false", false)
        case 2, 3:
            let (text, d) = number()
            return (text, .number(d))
        case 4, 5:
            let (text, s) = string()
            return (text, .string(s))
        case 6:
            var text = "["
            var items: [JSONValue] = []
            for i in 0..<rng.below(5) {
                if i > 0 { text += "," }
                let (t, v) = value(depth: depth + 1)
                text += whitespace() + t + whitespace()
                items.append(v)
            }
            return (text + whitespace() + "]", .array(items))
        default:
            var text = "{"
            var members: [String: JSONValue] = [:]
            for i in 0..<rng.below(5) {
                if i > 0 { text += "," }
                let (nameText, name) = rng.chance(3) ? (#""error""#, "error") : string()
                let (t, v) = value(depth: depth + 1)
                text += whitespace() + nameText + whitespace() + ":" + whitespace() + t + whitespace()
                members[name] = v  // a repeated name keeps the last value, as the parser does
            }
            return (text + whitespace() + "}", .object(members))
        }
    }

    mutating func document() -> ([UInt8], JSONValue) {
        let (text, value) = value(depth: 0)
        return (Array((whitespace() + text + whitespace()).utf8), value)
    }
}

/// Damages valid documents the way fuzzers and broken upstreams do.
struct Mutator {
    var rng: SplitMix64
    static let interesting: [UInt8] = Array(#"{}[]":,\-+.eE0129tfnlu /"#.utf8) + [
        0x00, 0x01, 0x0A, 0x0D, 0x09, 0x1F, 0x7F, 0x80, 0xBF, 0xC0, 0xC2, 0xDF, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF,
    ]
    static let fragments: [[UInt8]] = [
        #"\ud800"#, #"\udc00"#, #"\ud83d\ude00"#, #"\u"#, "\\", #"""#, "1e999", "-0", "[", "]", "{", "}", #"{"a":"#,
        "true", "nul", "\u{FEFF}", "\r\n", #"\uDBFF\uDFFF"#, "0.", ".0", "00", "1e", "é",
    ].map { Array($0.utf8) }

    mutating func mutate(_ input: [UInt8]) -> [UInt8] {
        var bytes = input
        for _ in 0...rng.below(3) {
            let at = rng.below(bytes.count + 1)
            switch rng.below(8) {
            case 0 where at < bytes.count: bytes[at] = UInt8(truncatingIfNeeded: rng.next())
            case 1 where at < bytes.count: bytes[at] = rng.pick(Self.interesting)
            case 2: bytes.insert(rng.pick(Self.interesting), at: at)
            case 3 where at < bytes.count: bytes.remove(at: at)
            case 4: bytes.removeLast(bytes.count - at)
            case 5: bytes.insert(contentsOf: rng.pick(Self.fragments), at: at)
            case 6:
                let end = at + rng.below(bytes.count - at + 1)
                bytes.insert(contentsOf: bytes[at..<end], at: rng.below(bytes.count + 1))
            default:
                if at < bytes.count { bytes[at] ^= 1 << UInt8(rng.below(8)) }
            }
        }
        return bytes
    }
}

@Suite struct JSONDifferentialTests {
    static func disagreement(_ bytes: [UInt8]) -> String? {
        bytes.withUnsafeBufferPointer { JSONDifferential.disagreement(in: $0) }
    }

    static func show(_ bytes: [UInt8]) -> String { String(decoding: bytes.prefix(200), as: UTF8.self).debugDescription }

    @Test func generatedDocumentsParseToTheirValuesAndEveryoneAgrees() throws {
        var generator = DocumentGenerator(rng: SplitMix64(state: 0x7153_0001))
        for round in 0..<3_000 {
            let (bytes, expected) = generator.document()
            let parsed = try JSONValue.parse(bytes)
            #expect(parsed == expected, "round \(round): \(Self.show(bytes))")
            #expect(JSONScanner.accepts(bytes))
            if let problem = Self.disagreement(bytes) { Issue.record("round \(round): \(problem) on \(Self.show(bytes))") }
        }
    }

    @Test func mutatedDocumentsGetTheSameVerdictFromScannerAndParser() {
        var generator = DocumentGenerator(rng: SplitMix64(state: 0x7153_0002))
        var mutator = Mutator(rng: SplitMix64(state: 0x7153_0003))
        var accepted = 0
        var rejected = 0
        for round in 0..<1_500 {
            let (valid, _) = generator.document()
            for _ in 0..<5 {
                let bytes = mutator.mutate(valid)
                if let problem = Self.disagreement(bytes) {
                    Issue.record("round \(round): \(problem) on \(Self.show(bytes))")
                }
                if (try? JSONValue.parse(bytes)) != nil { accepted += 1 } else { rejected += 1 }
            }
        }
        // Both verdicts must be well represented, or the comparison proves little.
        #expect(accepted > 800, "accepted: \(accepted)")
        #expect(rejected > 3_000, "rejected: \(rejected)")
    }

    @Test func randomBytesGetTheSameVerdict() {
        var rng = SplitMix64(state: 0x7153_0004)
        for round in 0..<5_000 {
            let bytes = (0..<rng.below(24)).map { _ in rng.chance(2) ? rng.pick(Mutator.interesting) : UInt8(truncatingIfNeeded: rng.next()) }
            if let problem = Self.disagreement(bytes) { Issue.record("round \(round): \(problem) on \(bytes)") }
        }
    }

    /// The lexer's UTF-8 rule against the standard library's, on short byte strings dense in edge cases.
    @Test func stringUTF8RuleMatchesTheStandardLibrary() {
        var rng = SplitMix64(state: 0x7153_0005)
        let edges: [UInt8] = [0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF]
        let boundaries: [UInt32] = [0x7E, 0x7FE, 0x800, 0xD7FE, 0xE000, 0xFFFE, 0x10000, 0x10FFFD]
        var valid = 0
        for _ in 0..<6_000 {
            // Encodings of scalars at the boundaries of each sequence length, mixed with loose edge bytes.
            let content = (0..<(1 + rng.below(4))).flatMap { _ -> [UInt8] in
                guard rng.chance(3) else { return [rng.pick(edges)] }
                let scalar = Unicode.Scalar(rng.pick(boundaries) &+ UInt32(rng.below(3))) ?? "?"
                return Array(String(scalar).utf8)
            }
            let expected = String(validating: content, as: UTF8.self) != nil
            let document = [0x22] + content + [0x22]
            if JSONScanner.accepts(document) != expected || ((try? JSONValue.parse(document)) != nil) != expected {
                Issue.record("\(content): the standard library says \(expected ? "valid" : "invalid")")
            }
            if expected { valid += 1 }
        }
        #expect(valid > 600, "valid: \(valid)")
    }

    /// Clinger's fast path against the standard library's conversion for the number shapes it handles.
    @Test func numberConversionMatchesTheStandardLibrary() throws {
        var rng = SplitMix64(state: 0x7153_0006)
        for _ in 0..<10_000 {
            let digits = String(rng.next() % 1_000_000_000_000_000)
            let split = rng.below(digits.count + 1)
            var text = String(digits.prefix(split))
            if text.isEmpty { text = "0" }
            if text.count > 1, text.first == "0" { text = "1" + text.dropFirst() }
            if split < digits.count { text += "." + digits.dropFirst(split) }
            if rng.chance(2) { text += "e" + String(rng.below(50) - 25) }
            if rng.chance(2) { text = "-" + text }
            if try JSONValue.parse(text).doubleValue?.bitPattern != Double(text)?.bitPattern {
                Issue.record("\(text) converts differently from Double(_:)")
            }
        }
    }
}
