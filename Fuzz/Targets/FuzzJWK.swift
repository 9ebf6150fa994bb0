// Keys from a JWKS document (fetched from JWT_JWKS_URL): each JWK's base64url members become a DER
// SubjectPublicKeyInfo that OpenSSL reads. Input: a JWKS document `{"keys":[...]}` or a single JWK.
// Invariants: no crash; a key is built only for RSA of at least 2048 bits or EC P-256, with its algorithm
// named by its type; random signatures never verify.
import AgentStream
import FuzzSupport
import TinyJSON

enum FuzzJWK: FuzzTarget {
    static let name = "jwk"

    static func run(_ input: [UInt8]) {
        guard let doc = try? JSONValue.parse(input) else { return }
        let jwks = doc["keys"]?.arrayValue ?? [doc]
        for jwk in jwks {
            guard let key = try? JWTPublicKey(jwk: jwk) else { continue }
            let kty = jwk["kty"]?.stringValue
            require(
                (kty == "RSA" && key.algorithm == .rs256) || (kty == "EC" && key.algorithm == .es256),
                "a \(kty ?? "nil") JWK became a \(key.algorithm) key")
            let signatureLength = key.algorithm == .es256 ? 64 : 256
            var rng = InputRandom(input)
            let signature = (0..<signatureLength).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            require(!key.verify(message: input, signature: signature), "a random signature verified")
            require(!key.verify(message: [], signature: []), "an empty signature verified")
        }
    }
}
