import Primitives
import TinyJSON

/// Why a bearer token was refused. Messages name the check that failed and never include the token.
public struct AuthError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Human-readable reason, safe to return to the client.
    public let message: String
    /// True when verification could not run at all (keys unreachable): 503 rather than 401.
    public let unavailable: Bool

    init(_ message: String, unavailable: Bool = false) {
        self.message = message
        self.unavailable = unavailable
    }

    public var description: String { message }
}

/// Claim checks applied after the signature, as Clerk's backend SDK applies them (`verifyJwt`, `assertions`).
public struct JWTClaimPolicy: Sendable {
    /// Required `iss`, when set.
    public var issuer: String?
    /// Required `aud` member, when set.
    public var audience: String?
    /// Allowed `azp` values; empty disables the check, and a token without `azp` passes (as in Clerk).
    public var authorizedParties: [String]
    /// Tolerance for `exp`, `nbf` and `iat`, in milliseconds (Clerk's default: 5000).
    public var clockSkewMs: Int64

    /// A policy; every check but the time checks is off by default.
    public init(issuer: String? = nil, audience: String? = nil, authorizedParties: [String] = [], clockSkewMs: Int64 = 5000) {
        self.issuer = issuer
        self.audience = audience
        self.authorizedParties = authorizedParties
        self.clockSkewMs = clockSkewMs
    }
}

/// A compact JWS split into its parts, signature not yet checked.
public struct JWTToken: Sendable {
    /// The protected header.
    public let header: [String: JSONValue]
    /// The claims.
    public let claims: [String: JSONValue]
    /// The accepted algorithm named by the header.
    public let algorithm: JWTAlgorithm
    /// `kid` from the header, when present.
    public let keyID: String?
    /// `header.payload` as sent: the bytes the signature covers.
    let signingInput: [UInt8]
    let signature: [UInt8]

    /// Largest token accepted; Clerk session tokens are well under 4 KB.
    static let maxLength = 16 * 1024

    /// Splits and decodes `token`, refusing anything that is not a three-part RS256/ES256 JWS.
    public init(_ token: String) throws(AuthError) {
        let bytes = Array(token.utf8)
        guard !bytes.isEmpty else { throw AuthError("the bearer token is empty") }
        guard bytes.count <= Self.maxLength else { throw AuthError("the bearer token is too long") }
        let parts = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw AuthError("the bearer token is not a JWT (expected three dot-separated parts)") }
        for part in parts where !part.allSatisfy(Self.isBase64URL) {
            throw AuthError("the bearer token is not a JWT (parts must be base64url)")
        }
        func object(_ part: ArraySlice<UInt8>, _ what: String) throws(AuthError) -> [String: JSONValue] {
            guard let raw = Base64.decode(String(decoding: part, as: UTF8.self)),
                let value = try? JSONValue.parse(raw), let members = value.objectValue
            else { throw AuthError("the JWT \(what) is not a base64url JSON object") }
            return members
        }
        header = try object(parts[0], "header")
        claims = try object(parts[1], "payload")
        guard let alg = header["alg"]?.stringValue else { throw AuthError("the JWT header has no alg") }
        guard let accepted = JWTAlgorithm(rawValue: alg) else {
            throw AuthError(
                alg.lowercased() == "none"
                    ? "unsigned JWTs (alg none) are not accepted" : "JWT algorithm '\(alg)' is not accepted (RS256 or ES256 only)")
        }
        algorithm = accepted
        if let typ = header["typ"], typ.stringValue?.uppercased() != "JWT" {
            throw AuthError("the JWT header typ must be 'JWT'")
        }
        // A critical extension we do not understand must make the token invalid (RFC 7515 §4.1.11).
        if header["crit"] != nil { throw AuthError("the JWT header has crit extensions, which are not supported") }
        keyID = header["kid"]?.stringValue
        guard let sig = Base64.decode(String(decoding: parts[2], as: UTF8.self)), !sig.isEmpty else {
            throw AuthError("the JWT has no signature")
        }
        signature = sig
        signingInput = Array(bytes[..<(parts[0].count + 1 + parts[1].count)])
    }

    /// Whether `key` signed this token; the key's type must match the header's algorithm, so an
    /// RSA key can never be used for an ES256 token or the other way round.
    public func isSigned(by key: JWTPublicKey) -> Bool {
        key.algorithm == algorithm && key.verify(message: signingInput, signature: signature)
    }

    /// Checks time and identity claims; returns `sub`.
    public func checkClaims(_ policy: JWTClaimPolicy, nowMs: Int64) throws(AuthError) -> String {
        func seconds(_ name: String) throws(AuthError) -> Int64? {
            guard let v = claims[name] else { return nil }
            guard let d = v.doubleValue, d.isFinite, abs(d) < 1e12 else { throw AuthError("the JWT \(name) claim is not a number") }
            return Int64(d * 1000)
        }
        guard let exp = try seconds("exp") else { throw AuthError("the JWT has no exp claim") }
        if exp <= nowMs - policy.clockSkewMs { throw AuthError("the JWT has expired") }
        if let nbf = try seconds("nbf"), nbf > nowMs + policy.clockSkewMs { throw AuthError("the JWT is not valid yet (nbf)") }
        if let iat = try seconds("iat"), iat > nowMs + policy.clockSkewMs { throw AuthError("the JWT was issued in the future (iat)") }
        if let issuer = policy.issuer, claims["iss"]?.stringValue != issuer {
            throw AuthError("the JWT issuer does not match JWT_ISSUER")
        }
        if let audience = policy.audience {
            let audiences = claims["aud"]?.arrayValue?.compactMap(\.stringValue) ?? claims["aud"]?.stringValue.map { [$0] } ?? []
            guard audiences.contains(audience) else { throw AuthError("the JWT audience does not include JWT_AUDIENCE") }
        }
        if !policy.authorizedParties.isEmpty, let azp = claims["azp"] {
            guard let party = azp.stringValue, policy.authorizedParties.contains(party) else {
                throw AuthError("the JWT azp is not one of JWT_AUTHORIZED_PARTIES")
            }
        }
        guard let sub = claims["sub"]?.stringValue, !sub.isEmpty else { throw AuthError("the JWT has no sub claim") }
        // The id travels in HTTP headers and a PostgREST filter: printable ASCII only, bounded.
        guard sub.utf8.count <= 256, sub.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw AuthError("the JWT sub claim must be 1-256 printable ASCII characters")
        }
        return sub
    }

    private static func isBase64URL(_ b: UInt8) -> Bool {
        (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == UInt8(ascii: "-") || b == UInt8(ascii: "_")
    }
}
