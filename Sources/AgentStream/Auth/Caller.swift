import TinyJSON

/// Who is calling: the verified user, or an anonymous caller when auth is off.
public struct Caller: Sendable {
    /// `sub` of the verified token.
    public var userID: String?
    /// The verified claims (empty when anonymous).
    public var claims: [String: JSONValue]

    /// Whether a token was verified.
    public var isAuthenticated: Bool { userID != nil }

    /// An anonymous caller (`AUTH_MODE=none`).
    public static let anonymous = Caller(userID: nil, claims: [:])

    /// The user's tier for the agent's runtime context: a `tier` claim, else `public_metadata.tier` or
    /// `metadata.tier` (where Clerk session-token templates usually put public metadata), else `free`.
    public var tier: String {
        let candidates = [claims["tier"], claims["public_metadata"]?["tier"], claims["metadata"]?["tier"]]
        for c in candidates {
            if let s = c?.stringValue, !s.isEmpty { return s }
        }
        return "free"
    }
}
