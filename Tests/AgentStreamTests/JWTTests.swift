import LambdaHTTP
import LambdaRuntime
import Testing
import TinyJSON

@testable import AgentStream

@Suite struct JWTVerificationTests {
    let nowMs = JWTVectors.now * 1000
    let policy = JWTClaimPolicy(issuer: "https://clerk.example.com", authorizedParties: ["https://app.example.com"])

    func verify(_ token: String, key: JWTPublicKey, policy: JWTClaimPolicy? = nil, nowMs: Int64? = nil) throws(AuthError) -> String {
        let t = try JWTToken(token)
        guard t.isSigned(by: key) else { throw AuthError("bad signature") }
        return try t.checkClaims(policy ?? self.policy, nowMs: nowMs ?? self.nowMs)
    }

    func rejection(_ token: String, key: JWTPublicKey, policy: JWTClaimPolicy? = nil, nowMs: Int64? = nil) -> String? {
        do {
            _ = try verify(token, key: key, policy: policy, nowMs: nowMs)
            return nil
        } catch {
            return error.message
        }
    }

    @Test func acceptsRS256AndES256() throws {
        let rsa = try JWTPublicKey(pem: JWTVectors.rsaPEM)
        let ec = try JWTPublicKey(pem: JWTVectors.ecPEM)
        #expect(rsa.algorithm == .rs256 && ec.algorithm == .es256)
        #expect(try verify(JWTVectors.rs256, key: rsa) == "user_2abc")
        #expect(try verify(JWTVectors.es256, key: ec) == "user_2abc")
    }

    @Test func pemWithEscapedNewlinesIsAccepted() throws {
        let escaped = JWTVectors.rsaPEM.replacing("\n", with: "\\n")
        #expect(try verify(JWTVectors.rs256, key: JWTPublicKey(pem: escaped)) == "user_2abc")
    }

    @Test func rejectsForgeriesAndConfusion() throws {
        let rsa = try JWTPublicKey(pem: JWTVectors.rsaPEM)
        let ec = try JWTPublicKey(pem: JWTVectors.ecPEM)
        #expect(rejection(JWTVectors.otherKey, key: rsa) == "bad signature")
        #expect(rejection(JWTVectors.tampered, key: rsa) == "bad signature")
        #expect(rejection(JWTVectors.algNone, key: rsa)?.contains("alg none") == true)
        // The classic confusion: HMAC "signed" with the public key PEM as the secret.
        #expect(rejection(JWTVectors.hs256WithPEM, key: rsa)?.contains("'HS256' is not accepted") == true)
        #expect(rejection(JWTVectors.rs384Header, key: rsa)?.contains("RS384") == true)
        // A key of the other type never verifies, even with a valid signature from its own type.
        #expect(rejection(JWTVectors.rs256, key: ec) == "bad signature")
        #expect(rejection(JWTVectors.es256, key: rsa) == "bad signature")
        // ES256 must be raw r||s; a DER signature is malformed.
        #expect(rejection(JWTVectors.es256DER, key: ec) == "bad signature")
        #expect(rejection(JWTVectors.typJWS, key: rsa)?.contains("typ") == true)
    }

    @Test(arguments: ["", "abc", "a.b", "a.b.c.d", "e30.e30.", "!!.e30.sig", "e30.e30.c2ln"])
    func rejectsMalformedTokens(_ token: String) throws {
        let rsa = try JWTPublicKey(pem: JWTVectors.rsaPEM)
        #expect(rejection(token, key: rsa) != nil)
    }

    @Test func timeClaimsHonourFiveSecondSkew() throws {
        let rsa = try JWTPublicKey(pem: JWTVectors.rsaPEM)
        let exp = (JWTVectors.now + 60) * 1000
        let nbf = (JWTVectors.now - 10) * 1000
        // exp: valid until exp + skew (exclusive), as Clerk's `exp <= now - skew` check.
        #expect(rejection(JWTVectors.rs256, key: rsa, nowMs: exp + 4999) == nil)
        #expect(rejection(JWTVectors.rs256, key: rsa, nowMs: exp + 5000) == "the JWT has expired")
        // nbf and iat: accepted from 5 s before.
        #expect(rejection(JWTVectors.rs256, key: rsa, nowMs: nbf - 5000) == nil)
        #expect(rejection(JWTVectors.rs256, key: rsa, nowMs: nbf - 5001)?.contains("nbf") == true)
        var strict = policy
        strict.clockSkewMs = 0
        #expect(rejection(JWTVectors.rs256, key: rsa, policy: strict, nowMs: exp) == "the JWT has expired")
        #expect(rejection(JWTVectors.noExp, key: rsa) == "the JWT has no exp claim")
    }

    @Test func identityClaims() throws {
        let rsa = try JWTPublicKey(pem: JWTVectors.rsaPEM)
        var p = policy
        p.issuer = "https://other.example.com"
        #expect(rejection(JWTVectors.rs256, key: rsa, policy: p)?.contains("issuer") == true)
        p = policy
        p.authorizedParties = ["https://evil.example.com"]
        #expect(rejection(JWTVectors.rs256, key: rsa, policy: p)?.contains("azp") == true)
        // As in Clerk: a token without azp passes the authorized-parties check.
        #expect(rejection(JWTVectors.noAzp, key: rsa, policy: p) == nil)
        p = policy
        p.audience = "api"
        #expect(rejection(JWTVectors.rs256, key: rsa, policy: p)?.contains("audience") == true)
        #expect(rejection(JWTVectors.audList, key: rsa, policy: p) == nil)
        #expect(rejection(JWTVectors.noSub, key: rsa) == "the JWT has no sub claim")
    }

    @Test func jwksKeysLoadAndVerify() throws {
        let doc = try JSONValue.parse(JWTVectors.jwks)
        let keys = try (doc["keys"]?.arrayValue ?? []).map { try JWTPublicKey(jwk: $0) }
        #expect(keys.map(\.algorithm) == [.rs256, .es256, .rs256])
        #expect(try verify(JWTVectors.rs256, key: keys[0]) == "user_2abc")
        #expect(try verify(JWTVectors.es256, key: keys[1]) == "user_2abc")
        #expect(rejection(JWTVectors.rs256, key: keys[2]) == "bad signature")
    }

    @Test func weakOrForeignKeysAreRefused() {
        #expect(throws: JWTPublicKey.KeyError.self) { try JWTPublicKey(pem: JWTVectors.smallRSAPEM) }
        #expect(throws: JWTPublicKey.KeyError.self) { try JWTPublicKey(pem: JWTVectors.p384PEM) }
        #expect(throws: JWTPublicKey.KeyError.self) { try JWTPublicKey(pem: "not a key") }
        #expect(throws: JWTPublicKey.KeyError.self) { try JWTPublicKey(jwk: ["kty": "oct", "k": "c2VjcmV0"]) }
        #expect(throws: JWTPublicKey.KeyError.self) { try JWTPublicKey(jwk: ["kty": "RSA", "n": "AQAB", "e": "AQAB", "use": "enc"]) }
    }

    @Test func derEncoding() {
        // High bit set → a leading zero; leading zeros → stripped.
        #expect(DER.unsignedInteger([0x80]) == [0x02, 0x02, 0x00, 0x80])
        #expect(DER.unsignedInteger([0x00, 0x00, 0x01]) == [0x02, 0x01, 0x01])
        #expect(DER.tlv(0x04, [UInt8](repeating: 0, count: 200)).prefix(3) == [0x04, 0x81, 200])
    }
}

@Suite struct AuthConfigTests {
    @Test(arguments: [
        (["AUTH_MODE": "jwt"], "JWT_PUBLIC_KEY_PEM"),
        (["AUTH_MODE": "jwt", "JWT_PUBLIC_KEY_PEM": "garbage"], "JWT_PUBLIC_KEY_PEM"),
        (["AUTH_MODE": "jwt", "JWT_JWKS_URL": "ftp://x"], "JWT_JWKS_URL"),
        (["AUTH_MODE": "basic"], "AUTH_MODE"),
        (["SUPABASE_URL": "http://127.0.0.1:1"], "SUPABASE_KEY"),
        (["SUPABASE_URL": "http://127.0.0.1:1", "SUPABASE_KEY": "k"], "CREDENTIALS_TABLE"),
        (["SUPABASE_URL": "http://127.0.0.1:1", "SUPABASE_KEY": "k", "CREDENTIALS_TABLE": "t"], "AUTH_MODE"),
        (["SUPABASE_KEY": "k"], "SUPABASE_URL"),
    ])
    func invalidAuthConfigNamesTheVariable(_ env: [String: String], _ variable: String) {
        var full = env
        full["AGENTCORE_RUNTIME_ARN"] = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/a-1"
        do {
            _ = try GatewayConfig(environment: full)
            Issue.record("accepted \(env)")
        } catch {
            #expect(error.variable == variable)
        }
    }

    @Test func jwtConfigParses() throws {
        let config = try GatewayConfig(environment: [
            "AGENTCORE_RUNTIME_ARN": "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/a-1",
            "AUTH_MODE": "jwt", "JWT_PUBLIC_KEY_PEM": JWTVectors.rsaPEM, "JWT_ISSUER": "https://clerk.example.com",
            "JWT_AUTHORIZED_PARTIES": " https://a.example.com, https://b.example.com ,",
        ])
        #expect(config.auth.enabled)
        #expect(config.auth.policy.authorizedParties == ["https://a.example.com", "https://b.example.com"])
        #expect(config.auth.policy.clockSkewMs == 5000)
    }

    @Test func bearerHeaderHandling() async throws {
        let config = try AuthConfig(environment: ["AUTH_MODE": "jwt", "JWT_PUBLIC_KEY_PEM": JWTVectors.rsaPEM])
        let auth = Authenticator(config: config, logger: JSONLogger(level: .error))
        func status(_ headers: [String: String]) async -> Int {
            do {
                _ = try await auth.authenticate(FunctionURLRequest(method: "GET", rawPath: "/agents", headers: headers), nowMs: JWTVectors.now * 1000)
                return 200
            } catch {
                return error.status
            }
        }
        #expect(await status([:]) == 401)
        #expect(await status(["authorization": "Basic abc"]) == 401)
        #expect(await status(["authorization": "Bearer " + JWTVectors.hs256WithPEM]) == 401)
        #expect(await status(["authorization": "bearer " + JWTVectors.rs256]) == 200)
        let caller = try await auth.authenticate(
            FunctionURLRequest(method: "GET", rawPath: "/", headers: ["authorization": "Bearer " + JWTVectors.rs256]), nowMs: JWTVectors.now * 1000)
        #expect(caller.userID == "user_2abc" && caller.tier == "free")
    }
}
