import Testing
import TinyJSON

/// The scanner against fixed inputs whose verdict is known, and the relay's use of it.
@Suite struct JSONScannerTests {
    /// Inputs with the parser's verdict; the relay fast path's former sample list plus grammar corners.
    static let verdicts: [(String, Bool)] = [
        (#""hello""#, true), (#""héllo ✈ 😀""#, true), (#"{"a":1}"#, true), (#"{"a": [1, 2.5, -0.1, true, false, null]}"#, true),
        ("\t\"tab\"", true), (#"{"error":"x","error_type":"Y"}"#, true), (#"{"error":"x"}"#, true), (#"{"error_type":"x"}"#, true),
        (#"{"e\u0072ror":"x","error_type":"Y"}"#, true), (#"{"nested":{"error":"x","error_type":"Y"}}"#, true),
        (#""\ud83d\ude00""#, true), (#""\ud83d""#, false), (#""\ude00""#, false), (#""\ud83d\u0041""#, false),
        (#""\ud83d\""#, false), (#""\ud83d\u""#, false), (#""\ud83d\ude0""#, false), (#""\u12""#, false), (#""\u12G4""#, false),
        (#""\uD83D\uDE00\u00E9\u0000""#, true), (#""a\"b\\c\/d\b\f\n\r\t""#, true), (#""\x""#, false), ("\"ctl\u{1}\"", false),
        ("\"tab\tinside\"", false), ("\"\u{7F}\"", true), (#"01"#, false), (#"-"#, false), (#"1."#, false), (#".5"#, false),
        (#"+1"#, false), (#"1e5"#, true), (#"-0.5E-3"#, true), (#"1E+2"#, true), (#"1e"#, false), (#"1e+"#, false),
        (#"-01"#, false), (#"-0"#, true), (#"0.0e0"#, true), (#"1e999"#, true), (#"-1e-999"#, true),
        (String(repeating: "9", count: 400), true), ("1." + String(repeating: "0", count: 400) + "1", true),
        (#"[1,]"#, false), (#"{"a":}"#, false), (#"{"a" 1}"#, false), (#"[1 2]"#, false), (#"tru"#, false), (#"nulll"#, false),
        (#"True"#, false), (#"NaN"#, false), (#"Infinity"#, false), (#"[-Infinity]"#, false), (#""unterminated"#, false),
        ("\"a\"\n", true), ("\"a\" ", true), (" \"a\"", true), ("{\"a\":\n1}", true), ("\r\n[\r\n]\r\n", true), ("", false),
        (" ", false), ("\u{FEFF}\"bom\"", false), ("\u{A0}1", false), ("\u{0B}1", false), ("\u{0C}1", false),
        (String(repeating: "[", count: 256) + String(repeating: "]", count: 256), true),
        (String(repeating: "[", count: 257) + String(repeating: "]", count: 257), false),
        (String(repeating: #"{"a":"#, count: 256) + "1" + String(repeating: "}", count: 256), true),
        (String(repeating: #"{"a":"#, count: 257) + "1" + String(repeating: "}", count: 257), false),
        (String(repeating: "[", count: 100_000), false), (#"{}"#, true), (#"[]"#, true), (#"{"a":{}}"#, true),
        ("not json", false), (#"{"a":1,}"#, false), (#"{,}"#, false), (#"[,1]"#, false), (#"{"a":1 "b":2}"#, false),
        (#"{1:2}"#, false), (#"{"a":1}}"#, false), (#"[1]]"#, false), (#"{"a":1}{"#, false), (#"[1] 2"#, false),
        (#"{"a":1,"a":2}"#, true), (#"["\u0000"]"#, true), (#"{"":""}"#, true), ("[\"\u{10FFFF}\"]", true),
    ]

    /// Byte sequences a Swift string literal cannot hold.
    static let invalidUTF8: [[UInt8]] = [
        [0x22, 0xC3, 0x28, 0x22],  // a lead byte without its continuation
        [0x22, 0xE2, 0x82, 0x22],  // a truncated sequence
        [0x22, 0xC3, 0x5C, 0x6E, 0xA9, 0x22],  // a sequence split by an escape
        [0x22, 0xED, 0xA0, 0x80, 0x22],  // an encoded surrogate
        [0x22, 0xC0, 0xAF, 0x22],  // an overlong '/'
        [0x22, 0xE0, 0x80, 0xAF, 0x22],  // an overlong three-byte form
        [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],  // above U+10FFFF
        [0x22, 0xF8, 0x88, 0x80, 0x80, 0x80, 0x22],  // a five-byte form
        [0x22, 0x80, 0x22],  // a lone continuation byte
        [0x22, 0xFF, 0x22], [0x22, 0xC3],  // not UTF-8; a cut-off lead byte
        [0xC3, 0xA9],  // valid UTF-8, but not inside a string
    ]

    @Test func scannerAndParserGiveTheKnownVerdicts() {
        for (text, expected) in Self.verdicts {
            let bytes = Array(text.utf8)
            let parsed = (try? JSONValue.parse(bytes)) != nil
            #expect(parsed == expected, "parser on \(text.prefix(80).debugDescription)")
            #expect(JSONScanner.accepts(bytes) == expected, "scanner on \(text.prefix(80).debugDescription)")
            let singleLine = !bytes.contains(0x0A) && !bytes.contains(0x0D)
            #expect(JSONScanner.accepts(bytes, options: .rejectLineBreaks) == (expected && singleLine))
            bytes.withUnsafeBufferPointer { buffer in
                #expect(JSONDifferential.disagreement(in: buffer) == nil, "\(text.prefix(80).debugDescription)")
            }
        }
        for bytes in Self.invalidUTF8 {
            #expect((try? JSONValue.parse(bytes)) == nil)
            #expect(!JSONScanner.accepts(bytes))
        }
    }

    @Test func lineBreakOptionRejectsOnlyLineBreaks() {
        #expect(JSONScanner.accepts(Array("{\"a\":\t[1, 2]}".utf8), options: .rejectLineBreaks))
        for text in ["{\"a\":\n1}", "{\"a\":\r1}", "1\n", "\r\n1", "[1,\r\n2]", "\"a\\nb\"\n"] {
            #expect(JSONScanner.accepts(Array(text.utf8)))
            #expect(!JSONScanner.accepts(Array(text.utf8), options: .rejectLineBreaks), "\(text.debugDescription)")
        }
        // An escaped line break is part of a string's value, not a raw line break.
        #expect(JSONScanner.accepts(Array(#""a\nb\r""#.utf8), options: .rejectLineBreaks))
    }

    /// The names a scan of `text` reports, decoded, with whether each had escapes.
    static func topLevelNames(_ text: String) -> (accepted: Bool, names: [String], escaped: [Bool]) {
        var names: [String] = []
        var escaped: [Bool] = []
        let accepted = Array(text.utf8).withUnsafeBufferPointer { buffer in
            JSONScanner.accepts(buffer) { name in
                names.append(name.decoded)
                escaped.append(name.hasEscapes)
            }
        }
        return (accepted, names, escaped)
    }

    @Test func reportsTopLevelMemberNamesOnly() {
        let scan = Self.topLevelNames(#" {"a":{"inner":1},"b\u00e9":[{"deep":2}],"a":3,"":null,"\"q\"":"x"} "#)
        #expect(scan.accepted)
        #expect(scan.names == ["a", "bé", "a", "", "\"q\""])
        #expect(scan.escaped == [false, true, false, false, true])
        #expect(Self.topLevelNames(#"[{"a":1}]"#).names.isEmpty)
        #expect(Self.topLevelNames(#""a""#).names.isEmpty)
        // Names seen before the error are reported; the verdict says not to trust them.
        let broken = Self.topLevelNames(#"{"a":1,"b":}"#)
        #expect(!broken.accepted)
        #expect(broken.names == ["a", "b"])
    }

    @Test func comparesNamesWithoutDecodingFirst() {
        let text = #"{"error":1,"e\u0072ror":2,"err\u006Fr_type":3,"\ud83d\ude00":4,"😀":5,"errors":6,"erro":7}"#
        var matches: [[Bool]] = []
        var raws: [String] = []
        let accepted = Array(text.utf8).withUnsafeBufferPointer { buffer in
            JSONScanner.accepts(buffer) { name in
                matches.append([name == "error", name == "error_type", name == "😀", name == ""])
                raws.append(String(decoding: name.raw, as: UTF8.self))
            }
        }
        #expect(accepted)
        #expect(
            matches == [
                [true, false, false, false], [true, false, false, false], [false, true, false, false],
                [false, false, true, false], [false, false, true, false], [false, false, false, false],
                [false, false, false, false],
            ])
        #expect(raws == ["error", #"e\u0072ror"#, #"err\u006Fr_type"#, #"\ud83d\ude00"#, "😀", "errors", "erro"])
    }

    /// The relay's decision on the scanner (the replacement for the relay's own scanner), against the
    /// decision made by parsing: relay as is exactly when the parser accepts, the bytes are one line with no
    /// space at either end, and the value is not an object with both `error` and `error_type`.
    static func relayableAsIs(_ payload: [UInt8]) -> Bool {
        guard let first = payload.first, first != 0x20, payload.last != 0x20 else { return false }
        var hasError = false
        var hasErrorType = false
        let valid = payload.withUnsafeBufferPointer { buffer in
            JSONScanner.accepts(buffer, options: .rejectLineBreaks) { name in
                if name == "error" { hasError = true } else if name == "error_type" { hasErrorType = true }
            }
        }
        return valid && !(hasError && hasErrorType)
    }

    static func relayableByParsing(_ payload: [UInt8]) -> Bool {
        guard let value = try? JSONValue.parse(payload) else { return false }
        if payload.contains(0x0A) || payload.contains(0x0D) || payload.first == 0x20 || payload.last == 0x20 { return false }
        if let object = value.objectValue, object["error"] != nil, object["error_type"] != nil { return false }
        return true
    }

    @Test func relayDecisionMatchesTheParsingPath() {
        var payloads = Self.verdicts.map { Array($0.0.utf8) } + Self.invalidUTF8
        payloads += [
            #"{"event":{"contentBlockDelta":{"delta":{"text":"hi"}}}}"#, #""plain text delta""#,
            #"{"e\u0072ror":"x","error_type":"Y"}"#, #"{"error":"x","\u0065rror_type":"Y","error":2}"#, "\t{\"error\":1}\t",
            #"{"error":null,"error_type":null}"#, #"{"metrics":{"latencyMs":1.5e3}}"#,
        ].map { Array($0.utf8) }
        for payload in payloads {
            #expect(
                Self.relayableAsIs(payload) == Self.relayableByParsing(payload),
                "\(String(decoding: payload.prefix(80), as: UTF8.self).debugDescription)")
        }
        #expect(Self.relayableAsIs(Array(#"{"event":{"contentBlockDelta":{"delta":{"text":"hi"}}}}"#.utf8)))
        #expect(Self.relayableAsIs(Array(#"{"metrics":{"latencyMs":1.5e3}}"#.utf8)))
        #expect(!Self.relayableAsIs(Array(#"{"e\u0072ror":"x","error_type":"Y"}"#.utf8)))
    }
}
