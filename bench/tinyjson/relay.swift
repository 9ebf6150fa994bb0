import TinyJSON

/// The relay's fast-path decision (AgentCore upstream): valid single-line JSON with no space at either end,
/// and not a top-level object carrying both `error` and `error_type` (the agent SDK's in-band failure).
func relayable(_ payload: [UInt8]) -> Bool {
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
