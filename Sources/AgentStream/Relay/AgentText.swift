import TinyJSON

/// The text an agent event carries, for clients that read plain text.
enum AgentText {
    /// A JSON string as is, or the text field of common event shapes (Strands
    /// `event.contentBlockDelta.delta.text`, `text`, `delta`, `content`, `data`).
    static func text(ofJSON bytes: [UInt8]) -> String? {
        guard let value = try? JSONValue.parse(bytes) else { return nil }
        if let s = value.stringValue { return s }
        let candidates: [JSONValue?] = [
            value["event"]?["contentBlockDelta"]?["delta"]?["text"], value["text"], value["delta"], value["content"],
            value["data"],
        ]
        for c in candidates {
            if let s = c?.stringValue { return s }
        }
        return nil
    }
}
