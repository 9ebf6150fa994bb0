import Testing
import TinyJSON

@testable import AgentStream

/// The relay's non-allocating fast paths must decide exactly as the parsing paths they short-cut.
@Suite struct AgentCoreRelayDecisionTests {
    static let samples: [String] = [
        #""hello""#, #""héllo ✈ 😀""#, #"{"a":1}"#, #"{"a": [1, 2.5, -0.1, true, false, null]}"#, "\t\"tab\"",
        #"{"error":"x","error_type":"Y"}"#, #"{"error":"x"}"#, #"{"error_type":"x"}"#, #"{"e\u0072ror":"x","error_type":"Y"}"#,
        #"{"nested":{"error":"x","error_type":"Y"}}"#, #""\ud83d\ude00""#, #""\ud83d""#, #""\ude00""#, #""\ud83d\u0041""#,
        #""a\"b\\c\/d\b\f\n\r\t""#, #""\x""#, "\"ctl\u{1}\"", #"01"#, #"-"#, #"1."#, #"1e5"#, #"-0.5E-3"#, #"[1,]"#, #"{"a":}"#,
        #"{"a" 1}"#, #"[1 2]"#, #"tru"#, #"nulll"#, #""unterminated"#, "\"a\"\n", "\"a\" ", " \"a\"", "{\"a\":\n1}", "",
        String(repeating: "[", count: 256) + String(repeating: "]", count: 256),
        String(repeating: "[", count: 257) + String(repeating: "]", count: 257), #"{}"#, #"[]"#, #"{"a":{}}"#, "not json",
    ]

    static func bytesVariants() -> [[UInt8]] {
        var out = samples.map { Array($0.utf8) }
        out.append([0x22, 0xC3, 0x28, 0x22])  // invalid UTF-8 in a string
        out.append([0x22, 0xE2, 0x82, 0x22])  // truncated sequence
        out.append([0x22, 0xC3, 0x5C, 0x6E, 0xA9, 0x22])  // a sequence split by an escape
        out.append([0x22, 0xED, 0xA0, 0x80, 0x22])  // encoded surrogate
        return out
    }

    @Test func fastPathAgreesWithParsingClassify() {
        for payload in Self.bytesVariants() {
            let slow: UpstreamEvent? = {
                let (bytes, value) = UpstreamJSON.compact(payload)
                if let object = value?.objectValue, object["error"] != nil, object["error_type"] != nil { return nil }
                return .json(bytes)
            }()
            if AgentCoreEvents.isRelayableAsIs(payload) {
                #expect(slow == .json(payload), "fast path accepted \(String(decoding: payload, as: UTF8.self))")
            }
            // And the public classification is unchanged for every sample.
            let classified = AgentCoreEvents.classify(payload)
            if let slow { #expect(classified == slow) } else if case .failure = classified {} else {
                Issue.record("expected a failure for \(String(decoding: payload, as: UTF8.self))")
            }
        }
        #expect(AgentCoreEvents.isRelayableAsIs(Array(#""plain text delta""#.utf8)))
        #expect(AgentCoreEvents.isRelayableAsIs(Array(#"{"event":{"contentBlockDelta":{"delta":{"text":"hi"}}}}"#.utf8)))
    }
}
