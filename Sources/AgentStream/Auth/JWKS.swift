import Primitives
import CurlHTTP
import TinyJSON

/// Keys from a JWKS URL, fetched on first use, cached for the life of the container and refetched when a
/// token names a `kid` the cache does not have (key rotation), at most once per `cooldownMs`.
actor JWKSKeyStore {
    let url: String
    let client: CurlClient
    let cooldownMs: Int64
    let logger: JSONLogger
    private var keys: [(kid: String?, key: JWTPublicKey)] = []
    private var loaded = false
    private var lastFetchMs: Int64 = .min
    /// Fetches made so far (for logs and tests).
    private(set) var fetches = 0

    init(url: String, cooldownMs: Int64, logger: JSONLogger, client: CurlClient = .shared) {
        self.url = url
        self.cooldownMs = cooldownMs
        self.logger = logger
        self.client = client
    }

    /// The key for a token's `kid` and algorithm.
    func key(kid: String?, algorithm: JWTAlgorithm) async throws(AuthError) -> JWTPublicKey {
        if !loaded {
            try await refresh()
        } else if find(kid: kid, algorithm: algorithm) == nil, WallClock.epochMs() - lastFetchMs >= cooldownMs {
            // Unknown kid: the issuer may have rotated its keys since the last fetch.
            do {
                try await refresh()
            } catch {
                logger.log(.warn, "jwks refresh failed", ["error": .string(error.message)])
            }
        }
        guard let key = find(kid: kid, algorithm: algorithm) else {
            throw AuthError(kid == nil ? "the JWT has no kid and the JWKS has no single matching key" : "no key in the JWKS matches the JWT kid")
        }
        return key
    }

    /// With a kid: that key. Without: the only key of the token's algorithm, if there is exactly one.
    private func find(kid: String?, algorithm: JWTAlgorithm) -> JWTPublicKey? {
        if let kid {
            return keys.first { $0.kid == kid && $0.key.algorithm == algorithm }?.key
        }
        let matching = keys.filter { $0.key.algorithm == algorithm }
        return matching.count == 1 ? matching[0].key : nil
    }

    private func refresh() async throws(AuthError) {
        lastFetchMs = WallClock.epochMs()
        fetches += 1
        let request = CurlRequest(
            method: "GET", url: url, headers: ["Accept": "application/json", "User-Agent": "agentstream/1.0"],
            connectTimeoutMs: 2000, timeoutMs: 3000)
        let head: CurlResponseHead
        let body: [UInt8]
        do {
            (head, body) = try await client.fetch(request, limit: 256 * 1024)
        } catch {
            throw AuthError("the JWKS at JWT_JWKS_URL could not be fetched: \(error.message)", unavailable: true)
        }
        guard head.status == 200 else {
            throw AuthError("the JWKS at JWT_JWKS_URL answered HTTP \(head.status)", unavailable: true)
        }
        guard let doc = try? JSONValue.parse(body), let list = doc["keys"]?.arrayValue else {
            throw AuthError("the JWKS at JWT_JWKS_URL is not a {\"keys\":[...]} document", unavailable: true)
        }
        var fresh: [(kid: String?, key: JWTPublicKey)] = []
        for jwk in list {
            do {
                fresh.append((jwk["kid"]?.stringValue, try JWTPublicKey(jwk: jwk)))
            } catch {
                // Issuers may publish keys for other uses or algorithms; those are skipped, not fatal.
                logger.log(.debug, "jwks key skipped", ["kid": .string(jwk["kid"]?.stringValue ?? ""), "reason": .string(error.message)])
            }
        }
        keys = fresh
        loaded = true
        logger.log(.info, "jwks loaded", ["keys": .number(Double(fresh.count)), "fetches": .number(Double(fetches))])
    }
}
