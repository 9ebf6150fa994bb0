/// AgentCore session ids: 33-100 characters, `[a-zA-Z0-9][a-zA-Z0-9_-]*` (the response-side pattern,
/// stricter than the request's 33-256, so every id we send can come back).
public enum SessionID {
    /// Whether `id` is acceptable as given; short ids are rejected, never padded.
    public static func isValid(_ id: String) -> Bool {
        let bytes = Array(id.utf8)
        guard (33...100).contains(bytes.count), let first = bytes.first, isAlnum(first) else { return false }
        return bytes.dropFirst().allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }

    /// Explains the rule, for 400 responses.
    public static let rule = "must be 33-100 characters of letters, digits, '_' or '-', starting with a letter or digit"

    /// A new random UUID v4 string (36 characters, valid as a session id).
    public static func generate() -> String {
        var rng = SystemRandomNumberGenerator()
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &rng) }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex: [Character] = Array("0123456789abcdef")
        var out = ""
        for (i, b) in bytes.enumerated() {
            if i == 4 || i == 6 || i == 8 || i == 10 { out.append("-") }
            out.append(hex[Int(b >> 4)])
            out.append(hex[Int(b & 0xF)])
        }
        return out
    }

    private static func isAlnum(_ b: UInt8) -> Bool {
        (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122)
    }
}
