import Primitives

/// Assembles a response head from libcurl's header callback, one line at a time, within a size bound.
///
/// libcurl reports every header block it sees, including `100 Continue` and other 1xx blocks before the real
/// one; a block starting with a new status line replaces the previous one.
package struct ResponseHeadParser {
    package enum Line {
        /// More header lines may follow.
        case pending
        /// A final (non-1xx) head is complete.
        case complete(CurlResponseHead)
        /// The head grew past the limit.
        case tooLarge
    }

    package let maxBytes: Int
    private var status = 0
    private var fields: [(String, String)] = []
    private var bytes = 0

    package init(maxBytes: Int) { self.maxBytes = maxBytes }

    /// The head as far as it was read (for transfers that end before the blank line).
    package var partial: CurlResponseHead { CurlResponseHead(status: status, headers: HeaderFields(fields)) }

    package mutating func feed(_ line: UnsafeBufferPointer<UInt8>) -> Line {
        bytes += line.count
        if bytes > maxBytes { return .tooLarge }
        var end = line.count
        while end > 0, line[end - 1] == 0x0A || line[end - 1] == 0x0D { end -= 1 }
        // Split on bytes, never on Characters: a combining mark after ':' or ' ' merges with it into one
        // Character, which moved the name/value split to a later colon (found by fuzzing).
        let content = line[0..<end]
        if content.starts(with: "HTTP/".utf8) {
            let parts = content.split(separator: 0x20, maxSplits: 2)
            status = parts.count > 1 ? Int(String(decoding: parts[1], as: UTF8.self)) ?? 0 : 0
            fields = []
            return .pending
        }
        if content.isEmpty {
            // 1xx blocks are followed by the real one.
            guard status >= 200 else { return .pending }
            return .complete(partial)
        }
        guard let colon = content.firstIndex(of: UInt8(ascii: ":")) else { return .pending }
        let value = content[(colon + 1)...].trimmingHTTPWhitespace()
        fields.append((String(decoding: content[..<colon], as: UTF8.self), String(decoding: value, as: UTF8.self)))
        return .pending
    }
}
