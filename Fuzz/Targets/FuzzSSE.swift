// SSEParser (upstream AgentCore and Mastra SSE bodies) against a plain, non-incremental reading of the same
// rules, for every way of cutting the stream into reads and for an unlimited and a small event limit.
// Invariants: no crash; the events equal the reference's; no event exceeds the limit; an event over the
// limit is reported (`overflowed`) and nothing after it is delivered.
import AgentStream
import FuzzSupport

enum FuzzSSE: FuzzTarget {
    static let name = "sse"

    static func run(_ input: [UInt8]) {
        var rng = InputRandom(input)
        for limit in [Int.max, rng.int(in: 0...48)] {
            let expected = referenceSSEEvents(input, limit: limit)
            for splitting in Splitting.allCases {
                var parser = SSEParser(maxEventBytes: limit)
                var events: [[UInt8]] = []
                for read in reads(of: input, splitting) {
                    events += parser.feed(read)
                    if parser.overflowed { require(parser.feed([0x0A, 0x0A]).isEmpty, "events after an overflow") }
                }
                events += parser.finish()
                for e in events { require(e.count <= limit, "event of \(e.count) bytes over the limit \(limit)") }
                require(
                    parser.overflowed == expected.overflowed,
                    "overflowed \(parser.overflowed), expected \(expected.overflowed) (limit \(limit), \(splitting))")
                require(
                    events == expected.events,
                    "limit \(limit), \(splitting): events \(events.map { show($0) }) expected \(expected.events.map { show($0) })")
            }
        }
    }
}
