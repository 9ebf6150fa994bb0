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
        let text = String(decoding: UnsafeBufferPointer(rebasing: line[0..<end]), as: UTF8.self)
        if text.hasPrefix("HTTP/") {
            let parts = text.split(separator: " ", maxSplits: 2)
            status = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
            fields = []
            return .pending
        }
        if text.isEmpty {
            // 1xx blocks are followed by the real one.
            guard status >= 200 else { return .pending }
            return .complete(partial)
        }
        guard let colon = text.firstIndex(of: ":") else { return .pending }
        fields.append((String(text[..<colon]), text[text.index(after: colon)...].trimmingHTTPWhitespace()))
        return .pending
    }
}
