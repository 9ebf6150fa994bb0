import LambdaHTTP
import Primitives
import TinyJSON

/// Verifies `Authorization: Bearer` JWTs the way Clerk's backend SDK does.
public struct Authenticator: Sendable {
    let config: AuthConfig
    let jwks: JWKSKeyStore?

    /// An authenticator for `config`.
    init(config: AuthConfig, logger: JSONLogger) {
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
