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
