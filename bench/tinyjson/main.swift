// Instructions per event for TinyJSON's two readers over a corpus shaped like agent output (AgentCore
// `contentBlockDelta` events, plain JSON text strings, metadata with numbers). Run by `make bench-json`
// under callgrind, once with zero rounds and once with ROUNDS, so start-up cost cancels out.
import TinyJSON

/// A deterministic generator (a 64-bit LCG, top bits) so every run measures the same corpus.
struct Sequence64 {
    var state: UInt64
    mutating func below(_ n: Int) -> Int {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Int((state >> 33) % UInt64(n))
    }
}

func corpus() -> [[UInt8]] {
    let words = [
        "the", "agent", "stream", "relays", "tokens", "while", "it", "is", "still", "working", "Lambda", "function",
        "response", "a", "of", "to", "and", "café", "naïve", "—", "😀", "日本語", "\\n", "\\\"quoted\\\"", "\\u00e9", "42",
    ]
    var rng = Sequence64(state: 0x5EED)
    func text() -> String {
        var s = ""
        for i in 0..<(1 + rng.below(12)) {
            if i > 0 { s += " " }
            // Mostly ASCII words; non-ASCII and escapes about one word in six, as in chat text.
            s += words[rng.below(rng.below(6) == 0 ? words.count : 17)]
        }
        return s
    }
    var out: [String] = []
    for _ in 0..<250 {
        out.append(#"{"event":{"messageStart":{"role":"assistant"}}}"#)
        for _ in 0..<6 {
            out.append(#"{"event":{"contentBlockDelta":{"delta":{"text":"\#(text())"},"contentBlockIndex":0}}}"#)
        }
        for _ in 0..<4 { out.append("\"\(text())\"") }
        out.append(#"{"event":{"contentBlockStop":{"contentBlockIndex":0}}}"#)
        out.append(#"{"event":{"messageStop":{"stopReason":"end_turn"}}}"#)
        out.append(
            #"{"event":{"metadata":{"usage":{"inputTokens":\#(rng.below(5000)),"outputTokens":\#(rng.below(900)),"totalTokens":\#(rng.below(6000))},"metrics":{"latencyMs":\#(rng.below(4000)).\#(rng.below(10))}}}}"#
        )
    }
    return out.map { Array($0.utf8) }
}

let arguments = CommandLine.arguments
let mode = arguments.count > 1 ? arguments[1] : "parse"
let rounds = arguments.count > 2 ? Int(arguments[2]) ?? 1 : 1
let events = corpus()
var accepted = 0
for _ in 0..<rounds {
    for event in events {
        switch mode {
        case "parse":
            if (try? JSONValue.parse(event)) != nil { accepted += 1 }
        case "scan":
            if relayable(event) { accepted += 1 }
        default:
            break
        }
    }
}
// Printed so the work cannot be optimised away, and so a run can be checked: every event is valid JSON.
print("mode=\(mode) events=\(events.count) rounds=\(rounds) accepted=\(accepted) bytes=\(events.reduce(0) { $0 + $1.count })")
