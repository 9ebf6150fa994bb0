// What a browser finally reads: every relayed event becomes exactly one `data: <single-line JSON>` frame that an
// SSE reader parses back to the same value. Shared by the targets that produce upstream events.
import AgentStream
import FuzzSupport
import TinyJSON

enum FrameCheck {
    /// The frame's JSON after a round trip through an SSE reader; traps unless it is exactly one event.
    static func reparse(_ frame: [UInt8]) -> JSONValue? {
        require(frame.starts(with: "data: ".utf8) && frame.suffix(2).elementsEqual([0x0A, 0x0A]), "not a frame: \(show(frame))")
        require(!frame.dropLast(2).contains(0x0A) && !frame.contains(0x0D), "a line break inside a frame: \(show(frame))")
        var reader = SSEParser()
        let events = reader.feed(frame) + reader.finish()
        require(events.count == 1, "\(events.count) events from one frame: \(show(frame))")
        let value = try? JSONValue.parse(events[0])
        require(value != nil, "frame data is not JSON: \(show(frame))")
        return value
    }

    /// Frames `event` as the relay does and checks the client reads back what was relayed.
    static func check(_ event: UpstreamEvent) {
        switch event {
        case .json(let bytes):
            let value = reparse(SSE.chunk(rawJSON: bytes))
            require(value?["type"] == "chunk" && value?["data"] == (try? JSONValue.parse(bytes)), "chunk frame for \(show(bytes))")
        case .text(let text):
            let value = reparse(SSE.chunk(text: text))
            require(value?["type"] == "chunk" && value?["data"]?.stringValue == text, "text frame for \(text.debugDescription)")
        case .failure(let code, let message, let retryable):
            let value = reparse(SSE.error(code: code, message: message, retryable: retryable))
            require(
                value?["type"] == "error" && value?["error_code"]?.stringValue == code && value?["error_message"]?.stringValue == message
                    && value?["retryable"]?.boolValue == retryable,
                "error frame for \(code): \(message.debugDescription)")
        case .timeout, .end:
            break
        }
    }
}
