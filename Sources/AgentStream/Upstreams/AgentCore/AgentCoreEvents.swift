import TinyJSON

/// The agent SDK's SSE events (`data: <json>` each, no end marker), within `MAX_EVENT_BYTES`.
package struct AgentCoreEventDecoder: UpstreamDecoder {
    private var parser: SSEParser
    private var reportedOverflow = false

    package init(maxEventBytes: Int) { parser = SSEParser(maxEventBytes: maxEventBytes) }

    package mutating func feed(_ bytes: [UInt8]) -> [UpstreamEvent] {
        reportingOverflow(parser.feed(bytes).compactMap(AgentCoreEvents.classify))
    }

    /// The last event can overflow at the end too (a final bare `data` line adds its line break then).
    package mutating func finish() -> [UpstreamEvent] {
        reportingOverflow(parser.finish().compactMap(AgentCoreEvents.classify))
    }

    private mutating func reportingOverflow(_ events: [UpstreamEvent]) -> [UpstreamEvent] {
        guard parser.overflowed, !reportedOverflow else { return events }
        reportedOverflow = true
        let e = UpstreamError.eventTooLarge(limit: parser.maxEventBytes, upstream: "AgentCore")
        return events + [.failure(code: e.code, message: e.message, retryable: false)]
    }

    package var isDone: Bool { reportedOverflow }
}

/// How one AgentCore event becomes a relayed event.
package enum AgentCoreEvents {
    /// An event's JSON value, or an in-band failure the agent SDK reports as `{"error": ..., "error_type": ...}`.
    package static func classify(_ payload: [UInt8]) -> UpstreamEvent? {
        // The common case (a text delta, an event object): relay the bytes without building a JSONValue.
        if isRelayableAsIs(payload) { return .json(payload) }
        let (bytes, value) = UpstreamJSON.compact(payload)
        if let object = value?.objectValue, let error = object["error"], object["error_type"] != nil {
            let type = object["error_type"]?.stringValue ?? "AgentError"
            let message = error.stringValue ?? error.jsonString
            return .failure(code: "AgentError", message: "\(type): \(message)", retryable: false)
        }
        return .json(bytes)
    }

    /// True when `payload` can be relayed byte for byte: JSON that `JSONValue.parse` accepts, on one line with no
    /// space at either end (so `compact` would keep it as is), and not a top-level object carrying both `error`
    /// and `error_type` (the agent SDK's in-band failure). Exact, not conservative; allocates nothing.
    package static func isRelayableAsIs(_ payload: [UInt8]) -> Bool {
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
}
