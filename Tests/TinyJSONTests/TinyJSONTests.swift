import Testing
import TinyJSON

@Suite struct TinyJSONTests {
    @Test func parsesNestedDocument() throws {
        let v = try JSONValue.parse(#" {"a": [1, 2.5, -3e2, true, false, null], "b": {"c": "d"}} "#)
        #expect(v["a"] == .array([1, 2.5, -300, true, false, nil]))
        #expect(v["b"]?["c"]?.stringValue == "d")
        #expect(v["a"]?.arrayValue?.first?.intValue == 1)
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        let v = try JSONValue.parse(#""q\"b\\s\/n\nt\tu\u00e9\ud83d\ude00""#)
        #expect(v.stringValue == "q\"b\\s/n\nt\tué😀")
    }

    @Test func keepsRawUTF8() throws {
        let v = try JSONValue.parse(Array(#""héllo 世界""#.utf8))
        #expect(v.stringValue == "héllo 世界")
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\" 1}", "tru", "01", "1.", "\"\\x\"", "\"\u{01}\"", "[1] 2", "\"\\ud800\"", "{\"a\":1,}", "-",
    ])
    func rejectsInvalid(_ text: String) {
        #expect(throws: JSONError.self) { try JSONValue.parse(text) }
    }

    @Test func rejectsInvalidUTF8() {
        #expect(throws: JSONError.self) { try JSONValue.parse([0x22, 0xFF, 0x22]) }
    }

    @Test func boundsNestingDepth() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: JSONError.self) { try JSONValue.parse(deep) }
    }

    @Test func serializesCompactlyWithEscapes() {
        let v: JSONValue = ["b": "line\nbreak \"q\" \u{01}", "a": [1, 2.5, nil, true]]
        #expect(v.jsonString == #"{"a":[1,2.5,null,true],"b":"line\nbreak \"q\" \u0001"}"#)
    }

    @Test func roundTrips() throws {
        let text = #"{"k":["x",{"y":-1.25}],"u":"é😀"}"#
        #expect(try JSONValue.parse(text).jsonString == text)
    }
}

/// Inputs at the edges of every conversion: none may trap, each gets a defined answer.
@Suite struct TinyJSONEdgeTests {
    @Test func numbersBeyondDoubleSaturateInsteadOfFailing() throws {
        #expect(try JSONValue.parse("1e999") == .number(.infinity))
        #expect(try JSONValue.parse("-1e999") == .number(-.infinity))
        #expect(try JSONValue.parse("1e-999") == .number(0))
        #expect(try JSONValue.parse(String(repeating: "9", count: 400)) == .number(.infinity))
        #expect(try JSONValue.parse("1" + String(repeating: "0", count: 300)) == .number(1e300))
        #expect(try JSONValue.parse("0e999999999999999999999") == .number(0))
        #expect(try JSONValue.parse("1e99999999999999999999999") == .number(.infinity))
        #expect(try JSONValue.parse("-0").doubleValue?.sign == .minus)
        #expect(try JSONValue.parse("4.9e-324") == .number(.leastNonzeroMagnitude))
        #expect(try JSONValue.parse("123456789012345678") == .number(123_456_789_012_345_680))
    }

    @Test func integerViewsNeverTrap() throws {
        for text in ["1e999", "-1e999", "1e300", "-9.2233720368547758e18", "9007199254740993", "0.5", "-0", "1e15"] {
            _ = try JSONValue.parse(text).intValue
        }
        #expect(try JSONValue.parse("1e999").intValue == nil)
        #expect(try JSONValue.parse("1e300").intValue == nil)
        #expect(try JSONValue.parse("-42").intValue == -42)
        #expect(JSONValue.number(.nan).intValue == nil)
    }

    @Test func writerNeverProducesInvalidJSON() throws {
        var out: [UInt8] = []
        for d in [Double.infinity, -.infinity, .nan, .greatestFiniteMagnitude, -.leastNonzeroMagnitude, 9e15, -0.0, 1e-7] {
            out.removeAll()
            JSONWriter.appendNumber(d, to: &out)
            let back = try JSONValue.parse(out)
            if d.isFinite { #expect(back == .number(d)) } else { #expect(back == .null) }
        }
        // Every kind of scalar, including ones that must be escaped and U+FFFD where a lone surrogate was.
        let text = "\u{0}\u{1F}\u{7F}\u{80}\u{2028}\u{D7FF}\u{E000}\u{FFFD}\u{FFFF}\u{10000}\u{10FFFF}\"\\/\n\r\t\u{8}\u{C}"
            + String(decoding: [0xED, 0xA0, 0x80], as: UTF8.self)
        out.removeAll()
        JSONWriter.appendString(text, to: &out)
        #expect(try JSONValue.parse(out) == .string(text))
        #expect(!out.contains(0x0A) && !out.contains(0x0D))
        #expect(try JSONValue.parse(JSONWriter.quoted(text)) == .string(text))
    }

    @Test func hexReaderRejectsOutOfRangeOffsets() {
        let bytes: [UInt8] = Array("0aF9".utf8)
        bytes.withUnsafeBufferPointer { buffer in
            #expect(JSONHex.value(of: buffer, at: 0) == 0x0AF9)
            for offset in [Int.max, Int.max - 3, Int.min, -1, 1, 4] {
                #expect(JSONHex.value(of: buffer, at: offset) == nil)
            }
        }
        #expect(JSONHex.value(of: UnsafeBufferPointer(start: nil, count: 0), at: 0) == nil)
    }

    @Test func parsesFromEveryKindOfInput() throws {
        let text = #"{"a":[1,"é"]}"#
        let expected: JSONValue = ["a": [1, "é"]]
        #expect(try JSONValue.parse(text) == expected)
        #expect(try JSONValue.parse(Array(text.utf8)) == expected)
        #expect(try JSONValue.parse(Array(("xx" + text).utf8).dropFirst(2)) == expected)
        #expect(try JSONValue.parse(text.utf8) == expected)
        #expect(try JSONValue.parse(Substring(text).utf8) == expected)
        #expect(try Array(text.utf8).withUnsafeBufferPointer { buffer throws(JSONError) in try JSONValue.parse(buffer) } == expected)
        #expect(throws: JSONError.self) { try JSONValue.parse(UnsafeBufferPointer<UInt8>(start: nil, count: 0)) }
        #expect(!JSONScanner.accepts(UnsafeBufferPointer(start: nil, count: 0)))
    }

    @Test func errorsSayWhereAndWhat() {
        func failure(_ text: String) -> JSONError? {
            do {
                _ = try JSONValue.parse(text)
                return nil
            } catch {
                return error
            }
        }
        #expect(failure(#"{"a":1,}"#).map { [String($0.offset), $0.reason] } == ["7", "expected a member name"])
        #expect(failure(#"[1 2]"#).map { [String($0.offset), $0.reason] } == ["3", "expected ',' or ']'"])
        #expect(failure(#"[1"#).map { [String($0.offset), $0.reason] } == ["2", "unexpected end of input"])
        #expect(failure(#""\ud800x""#).map { [String($0.offset), $0.reason] } == ["7", "unpaired surrogate"])
        #expect(failure(#""\u12"#).map { [String($0.offset), $0.reason] } == ["3", "unexpected end of input"])
        #expect(failure("1 2").map { [String($0.offset), $0.reason] } == ["2", "unexpected data after the document"])
        #expect(failure(String(repeating: "[", count: 300))?.reason == "nesting too deep")
    }
}
