// The AgentCore stream decoder (SSE events from the agent SDK) and the relay's decision for each event.
// Invariants: no crash; for every cut of the stream into reads the events are the reference SSE events,
// each classified, then UpstreamEventTooLarge when one exceeds the limit; every relayed value is single-line
// JSON; an event relayed byte for byte (the scanner's fast path) is exactly one the parser accepts and
// `compact` would keep, and never the SDK's in-band error object; every event, framed as the relay frames it,
// reads back through an SSE reader as one frame carrying the same value (FrameCheck).
import AgentStream
import FuzzSupport
import TinyJSON

enum FuzzAgentCore: FuzzTarget {
    static let name = "agentcore"

    /// What the relay must do with `payload`, decided with the parser alone (the slow path).
    static func expectedClassification(_ payload: [UInt8]) -> UpstreamEvent {
        guard let value = try? JSONValue.parse(payload) else {
            var out: [UInt8] = []
            JSONWriter.appendString(String(decoding: payload, as: UTF8.self), to: &out)
            return .json(out)
        }
        if let object = value.objectValue, let error = object["error"], object["error_type"] != nil {
            let type = object["error_type"]?.stringValue ?? "AgentError"
            return .failure(code: "AgentError", message: "\(type): \(error.stringValue ?? error.jsonString)", retryable: false)
        }
        let reserialize = payload.contains(0x0A) || payload.contains(0x0D) || payload.first == 0x20 || payload.last == 0x20
        return .json(reserialize ? value.serialized() : payload)
    }

    static func run(_ input: [UInt8]) {
        var rng = InputRandom(input)
        for limit in [1 << 20, rng.int(in: 0...64)] {
            let reference = referenceSSEEvents(input, limit: limit)
            var expected = reference.events.map(expectedClassification)
            if reference.overflowed {
                expected.append(
                    .failure(
                        code: "UpstreamEventTooLarge", message: "AgentCore sent an event larger than \(limit) bytes (MAX_EVENT_BYTES)",
                        retryable: false))
            }
            for payload in reference.events {
                let fast = AgentCoreEvents.isRelayableAsIs(payload)
                if fast { require(expectedClassification(payload) == .json(payload), "fast path taken for \(show(payload))") }
            }
            for splitting in Splitting.allCases {
                var decoder = AgentCoreEventDecoder(maxEventBytes: limit)
                var events: [UpstreamEvent] = []
                for read in reads(of: input, splitting) {
                    let wasDone = decoder.isDone
                    let new = decoder.feed(read)
                    if wasDone { require(new.isEmpty, "events after the end") }
                    events += new
                }
                events += decoder.finish()
                for e in events {
                FrameCheck.check(e)
                    if case .json(let bytes) = e {
                        require((try? JSONValue.parse(bytes)) != nil, "relayed value is not JSON: \(show(bytes))")
                        require(!bytes.contains(0x0A) && !bytes.contains(0x0D), "relayed value spans lines: \(show(bytes))")
                    }
                }
                require(events == expected, "limit \(limit), \(splitting): \(events) expected \(expected)")
            }
        }
    }
}
