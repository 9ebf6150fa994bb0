// MastraStreamParser: both Mastra stream formats (≥0.20 SSE chunks or JSON records, 0.x AI SDK data stream)
// and plain text, as the format sniffer decides from the first bytes. Invariants: no crash; the same input
// cut into reads in any way gives the same events (text pieces may be cut differently, so adjacent text is
// joined before comparing); nothing follows an end (`[DONE]`, an oversized event); an oversized line, record
// or event ends the stream with UpstreamEventTooLarge, and no text longer than the limit is ever delivered
// (plain text has no events, so no limit); structured chunks are single-line JSON; every event, framed as the
// relay frames it, reads back as one frame carrying the same value (FrameCheck).
import AgentStream
import FuzzSupport
import TinyJSON

enum FuzzMastra: FuzzTarget {
    static let name = "mastra"

    static func normalized(_ events: [UpstreamEvent]) -> [UpstreamEvent] {
        var out: [UpstreamEvent] = []
        for e in events {
            if case .text(let t) = e, case .text(let previous)? = out.last {
                out[out.count - 1] = .text(previous + t)
            } else {
                out.append(e)
            }
        }
        return out
    }

    static func run(_ input: [UInt8]) {
        var rng = InputRandom(input)
        for limit in [1 << 20, rng.int(in: 1...64)] {
            var reference: (events: [UpstreamEvent], format: MastraStreamParser.Format)?
            for splitting in Splitting.allCases {
                var parser = MastraStreamParser(maxEventBytes: limit)
                var events: [UpstreamEvent] = []
                for read in reads(of: input, splitting) {
                    let wasDone = parser.isDone
                    let new = parser.feed(read)
                    if wasDone { require(new.isEmpty, "events after the end") }
                    events += new
                }
                let wasDone = parser.isDone
                let tail = parser.finish()
                if wasDone { require(tail.isEmpty, "events from finish() after the end") }
                events += tail
                for (i, e) in events.enumerated() {
                FrameCheck.check(e)
                    switch e {
                    case .text(let t):
                        if parser.format != .text {
                            require(t.utf8.count <= limit, "text of \(t.utf8.count) bytes over the limit \(limit) (\(splitting))")
                        }
                    case .json(let bytes):
                        require((try? JSONValue.parse(bytes)) != nil, "chunk is not JSON: \(show(bytes))")
                        require(!bytes.contains(0x0A) && !bytes.contains(0x0D), "chunk spans lines: \(show(bytes))")
                    case .failure(let code, _, _):
                        if code == "UpstreamEventTooLarge" { require(i == events.count - 1, "events after UpstreamEventTooLarge") }
                    case .timeout, .end:
                        require(false, "a decoder produced \(e)")
                    }
                }
                let result = (normalized(events), parser.format)
                if let reference {
                    require(
                        reference.events == result.0 && reference.format == result.1,
                        "limit \(limit): \(splitting) gives \(result) but whole gives \(reference)")
                } else {
                    reference = result
                }
            }
        }
    }
}
