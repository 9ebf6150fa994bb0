/// Trace headers that join a Lambda invocation to the agent's own traces.
package enum TraceContext {
    /// The W3C `traceparent` for an X-Ray trace header (`Root=1-{8 hex}-{24 hex};Parent={16 hex};Sampled=0|1`):
    /// `00-{the 32 hex of the root}-{parent}-{01 when sampled}`. nil when the header has no usable root or parent,
    /// so a malformed header is ignored, never forwarded half-made.
    package static func traceparent(fromXRay header: String) -> String? {
        var root: Substring?
        var parent: Substring?
        var sampled = false
        for part in header.split(separator: ";") {
            let kv = part.split(separator: "=", maxSplits: 1)
            guard kv.count == 2 else { continue }
            switch kv[0].trimmingCharacters(in: " ") {
            case "Root": root = kv[1]
            case "Parent": parent = kv[1]
            case "Sampled": sampled = kv[1] == "1"
            default: break
            }
        }
        guard let root, let parent else { return nil }
        let pieces = root.split(separator: "-")
        guard pieces.count == 3, pieces[0] == "1", pieces[1].count == 8, pieces[2].count == 24 else { return nil }
        let traceID = String(pieces[1] + pieces[2]).lowercased()
        let parentID = String(parent).lowercased()
        guard isHex(traceID, count: 32), isHex(parentID, count: 16), traceID != String(repeating: "0", count: 32),
            parentID != String(repeating: "0", count: 16)
        else { return nil }
        return "00-\(traceID)-\(parentID)-\(sampled ? "01" : "00")"
    }

    private static func isHex(_ s: String, count: Int) -> Bool {
        s.utf8.count == count && s.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: Character) -> Substring {
        var s = self
        while s.first == set { s = s.dropFirst() }
        while s.last == set { s = s.dropLast() }
        return s
    }
}
