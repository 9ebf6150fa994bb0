import Primitives
import CurlHTTP
import LambdaHTTP
import LambdaRuntime
import TinyJSON

/// `AUTH_MODE` and the JWT settings (DESIGN.md §5), validated at start.
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
        jwksCooldownMs = Int64(try GatewayConfig.milliseconds(env, "JWT_JWKS_COOLDOWN_MS", default: 5000, range: 0...3_600_000))
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
            .map { String($0).trimmingHTTPWhitespace() }.filter { !$0.isEmpty }
        policy.clockSkewMs = Int64(try GatewayConfig.milliseconds(env, "JWT_CLOCK_SKEW_MS", default: 5000, range: 0...300_000))
    }
}

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

/// Verifies `Authorization: Bearer` JWTs the way Clerk's backend SDK does (see research/upstreams.md §6).
public struct Authenticator: Sendable {
    let config: AuthConfig
    let jwks: JWKSKeyStore?

    /// An authenticator for `config`.
    init(config: AuthConfig, logger: Logger) {
        self.config = config
        if case .jwks(let url) = config.keySource {
            jwks = JWKSKeyStore(url: url, cooldownMs: config.jwksCooldownMs, logger: logger)
        } else {
            jwks = nil
        }
    }

    /// The caller of `request`; anonymous when auth is off. Throws 401 (or 503 when keys are unreachable).
    func authenticate(_ request: FunctionURLRequest, nowMs: Int64 = WallClock.epochMs()) async throws(HTTPFailure) -> Caller {
        guard let source = config.keySource else { return .anonymous }
        guard let header = request.headers["authorization"], !header.isEmpty else {
            throw HTTPFailure.unauthorized("missing Authorization: Bearer token")
        }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw HTTPFailure.unauthorized("the Authorization header must be 'Bearer <token>'")
        }
        do throws(AuthError) {
            let token = try JWTToken(String(parts[1]).trimmingHTTPWhitespace())
            let key: JWTPublicKey
            switch source {
            case .pem(let pemKey):
                key = pemKey
            case .jwks:
                guard let jwks else { throw AuthError("no JWKS configured") }
                key = try await jwks.key(kid: token.keyID, algorithm: token.algorithm)
            }
            guard token.isSigned(by: key) else { throw AuthError("the JWT signature is not valid for the configured key") }
            let sub = try token.checkClaims(config.policy, nowMs: nowMs)
            return Caller(userID: sub, claims: token.claims)
        } catch {
            if error.unavailable {
                throw HTTPFailure(
                    status: 503, body: ["error": "auth_unavailable", "message": .string(error.message), "retryable": true])
            }
            throw HTTPFailure.unauthorized(error.message)
        }
    }
}
