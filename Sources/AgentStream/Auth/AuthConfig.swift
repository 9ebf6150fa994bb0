import Primitives

/// `AUTH_MODE` and the JWT settings, validated at start.
public struct AuthConfig: Sendable {
    /// Where verification keys come from.
    public enum KeySource: Sendable {
        /// One key from `JWT_PUBLIC_KEY_PEM`: networkless, like Clerk's `jwtKey`.
        case pem(JWTPublicKey)
        /// `JWT_JWKS_URL`, fetched once per container and on unknown `kid`s.
        case jwks(url: String)
    }

    /// nil when `AUTH_MODE=none`.
    public var keySource: KeySource?
    /// Claim checks.
    public var policy: JWTClaimPolicy
    /// Least time between two JWKS refetches triggered by unknown `kid`s (`JWT_JWKS_COOLDOWN_MS`).
    public var jwksCooldownMs: Int64

    /// Whether requests must carry a valid token.
    public var enabled: Bool { keySource != nil }

    /// Reads `AUTH_MODE`, `JWT_*`; the error names the variable at fault.
    public init(environment env: [String: String]) throws(ConfigError) {
        policy = JWTClaimPolicy()
        let reader = EnvironmentReader(env: env)
        jwksCooldownMs = Int64(try reader.milliseconds("JWT_JWKS_COOLDOWN_MS", default: 5000, range: 0...3_600_000))
        switch env["AUTH_MODE"].nonEmpty?.lowercased() ?? "none" {
        case "none":
            keySource = nil
            return
        case "jwt":
            break
        case let other:
            throw ConfigError("AUTH_MODE", "must be 'none' or 'jwt', got '\(other)'")
        }
        if let pem = env["JWT_PUBLIC_KEY_PEM"].nonEmpty {
            do {
                keySource = .pem(try JWTPublicKey(pem: pem))
            } catch {
                throw ConfigError("JWT_PUBLIC_KEY_PEM", "is not a usable public key: \(error.message)")
            }
        } else if let url = env["JWT_JWKS_URL"].nonEmpty {
            guard url.hasPrefix("https://") || url.hasPrefix("http://") else {
                throw ConfigError("JWT_JWKS_URL", "must be an http:// or https:// URL")
            }
            keySource = .jwks(url: url)
        } else {
            throw ConfigError("JWT_PUBLIC_KEY_PEM", "AUTH_MODE=jwt needs JWT_PUBLIC_KEY_PEM or JWT_JWKS_URL")
        }
        policy.issuer = env["JWT_ISSUER"].nonEmpty
        policy.audience = env["JWT_AUDIENCE"].nonEmpty
        policy.authorizedParties = (env["JWT_AUTHORIZED_PARTIES"] ?? "").split(separator: ",")
            .map { $0.trimmingHTTPWhitespace() }.filter { !$0.isEmpty }
        policy.clockSkewMs = Int64(try reader.milliseconds("JWT_CLOCK_SKEW_MS", default: 5000, range: 0...300_000))
    }
}
