// The bearer-token path up to and including the signature check: JWTToken splits and decodes a compact JWS
// (base64url, JSON header and claims, algorithm allow-list), checkClaims applies the time and identity rules,
// isSigned runs OpenSSL's verification with the test keys of Tests/AgentStreamTests/JWTVectors.swift (public
// halves only). Invariants: no crash; only RS256/ES256 tokens of at most 16 KB get past decoding; a `sub`
// that passes is 1-256 printable ASCII; a token that verifies stops verifying when one signature bit changes.
import AgentStream
import FuzzSupport
import Primitives
import TinyJSON

enum FuzzJWT: FuzzTarget {
    static let name = "jwt"

    static let rsaKey = try? JWTPublicKey(pem: "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAzw+9dsdBjrKZ1Oncf+9g\nFz683zFKzLGG6f2RVfEJNdpQEtIhBqHKXztsLVPeq8SHS+gLAXILz3AXN/Ox7+Gh\nh9WE26Yt//irRCQtxCaiawdcXBeW1WhDFAFStpkgetBGIyxSilkih0vM4kqjtn6W\nuNYAqjissm/Y8qPiS/uyjGsuc+c4wQtOZuWn3XosjgsePCRA+nC8AL0PpoVhAmru\nIXrWnsNfwHT43hH0TrxmJ+rWmitMOBQ5DyAoTawGpsowAr4olZDh+r9JNyoJlGrP\n303+zhL14+eaABCytEIItnADYrcV7+t5i8TfawHvyocTEApWS7dT5rU+1eVoesv8\n7QIDAQAB\n-----END PUBLIC KEY-----\n")
    static let ecKey = try? JWTPublicKey(pem: "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEs388FpAzxwpmzHlR0s+zOe8LqhuH\n0zkpmGxtTNyOH2e9XKvqQm7MshnFbfX36PsjBqXzSfPmf4xLFPTXfTi39A==\n-----END PUBLIC KEY-----\n")
    static let policy = JWTClaimPolicy(issuer: "https://clerk.example.com", audience: nil, authorizedParties: ["https://app.example.com"])
    /// The vectors' "now" (1900000000 s), so seeds built from them pass the time checks and reach the later ones.
    static let nowMs: Int64 = 1_900_000_000_000

    static func run(_ input: [UInt8]) {
        guard let rsaKey, let ecKey else {
            require(false, "the test keys do not load")
            return
        }
        var rng = InputRandom(input)
        let text = String(decoding: input, as: UTF8.self)
        guard let token = try? JWTToken(text) else { return }
        require(text.utf8.count <= 16 * 1024, "a token of \(text.utf8.count) bytes was decoded")
        require(token.algorithm == .rs256 || token.algorithm == .es256, "algorithm \(token.algorithm)")
        require(token.header["crit"] == nil, "crit accepted")
        for key in [rsaKey, ecKey] where token.isSigned(by: key) {
            require(key.algorithm == token.algorithm, "an \(key.algorithm) key verified an \(token.algorithm) token")
            // The same token with one signature bit flipped must fail: re-encode the parts with a changed last byte.
            let parts = text.split(separator: ".", omittingEmptySubsequences: false)
            if parts.count == 3, var signature = Base64.decode(parts[2]), !signature.isEmpty {
                signature[signature.count - 1] ^= 1
                let forged = parts[0] + "." + parts[1] + "." + Base64.encode(signature, alphabet: .urlSafe, padding: false)
                if let t = try? JWTToken(String(forged)) { require(!t.isSigned(by: key), "a changed signature still verifies") }
            }
        }
        for skew in [Int64(0), 5000] {
            var p = policy
            p.clockSkewMs = skew
            if let sub = try? token.checkClaims(p, nowMs: nowMs) {
                require(!sub.isEmpty && sub.utf8.count <= 256 && sub.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }, "sub \(sub) accepted")
            }
            // Any wall-clock time from 1970 to 2100.
            _ = try? token.checkClaims(JWTClaimPolicy(audience: "api"), nowMs: Int64(rng.int(in: 0...4_102_444_800_000)))
        }
    }
}
