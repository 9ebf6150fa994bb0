import Primitives
import CLibCrypto
import TinyJSON

/// The JWS algorithms AgentStream accepts. Everything else — `none`, the HMAC family (whose "secret" an
/// attacker could take from the published public key), RS384/512, PS* — is refused by name before any key is used.
public enum JWTAlgorithm: String, Sendable {
    /// RSASSA-PKCS1-v1_5 with SHA-256 (Clerk's algorithm).
    case rs256 = "RS256"
    /// ECDSA on P-256 with SHA-256.
    case es256 = "ES256"
}

/// A public key that verifies JWS signatures through OpenSSL's libcrypto (already loaded for libcurl's TLS,
/// so verification adds no library and no Foundation to bootstrap; see bench/JWT_CHOICE.md).
public final class JWTPublicKey: @unchecked Sendable {
    // Immutable after init; OpenSSL allows concurrent verifications with one EVP_PKEY, hence @unchecked.
    private let pkey: OpaquePointer
    /// The one algorithm this key verifies (its type decides: RSA → RS256, P-256 → ES256).
    public let algorithm: JWTAlgorithm

    /// Smallest RSA modulus accepted; shorter keys are forgeable.
    static let minRSABits: Int32 = 2048

    private init(pkey: OpaquePointer) throws(KeyError) {
        self.pkey = pkey
        switch EVP_PKEY_get_base_id(pkey) {
        case EVP_PKEY_RSA:
            guard EVP_PKEY_get_bits(pkey) >= Self.minRSABits else {
                EVP_PKEY_free(pkey)
                throw KeyError("RSA key is shorter than \(Self.minRSABits) bits")
            }
            algorithm = .rs256
        case EVP_PKEY_EC:
            var name = [CChar](repeating: 0, count: 64)
            var length = 0
            let ok = EVP_PKEY_get_group_name(pkey, &name, name.count, &length)
            let group = ok == 1 ? String(decoding: name.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self) : ""
            guard group == "prime256v1" || group == "P-256" else {
                EVP_PKEY_free(pkey)
                throw KeyError("EC key is on curve '\(group)', only P-256 is supported")
            }
            algorithm = .es256
        default:
            EVP_PKEY_free(pkey)
            throw KeyError("key type is neither RSA nor EC P-256")
        }
    }

    deinit { EVP_PKEY_free(pkey) }

    /// A key from a PEM `PUBLIC KEY` (SubjectPublicKeyInfo) block, as Clerk's dashboard shows it.
    public convenience init(pem: String) throws(KeyError) {
        // Environment variables often carry the PEM with literal "\n" sequences instead of line breaks.
        // Done on bytes: String's `contains(_:)`/`replacing` come from _StringProcessing, which would link the
        // regex parser (about 1 MB) into bootstrap.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(pem.utf8.count)
        var escaped = false
        for b in pem.utf8 {
            if escaped {
                if b == UInt8(ascii: "n") { bytes.append(0x0A) } else { bytes.append(UInt8(ascii: "\\")); bytes.append(b) }
                escaped = false
            } else if b == UInt8(ascii: "\\") {
                escaped = true
            } else {
                bytes.append(b)
            }
        }
        if escaped { bytes.append(UInt8(ascii: "\\")) }
        guard bytes.count < 64 * 1024 else { throw KeyError("PEM is too large") }
        let parsed: OpaquePointer? = bytes.withUnsafeBytes { raw -> OpaquePointer? in
            guard let base = raw.baseAddress, let bio = BIO_new_mem_buf(base, Int32(raw.count)) else { return nil }
            defer { BIO_free(bio) }
            return PEM_read_bio_PUBKEY(bio, nil, nil, nil)
        }
        guard let pkey = parsed else {
            ERR_clear_error()
            throw KeyError("not a PEM public key (expected a -----BEGIN PUBLIC KEY----- block)")
        }
        try self.init(pkey: pkey)
    }

    /// A key from DER SubjectPublicKeyInfo bytes.
    convenience init(spki: [UInt8]) throws(KeyError) {
        let parsed: OpaquePointer? = spki.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_PUBKEY(nil, &cursor, buffer.count)
        }
        guard let pkey = parsed else {
            ERR_clear_error()
            throw KeyError("key material is not a valid public key")
        }
        try self.init(pkey: pkey)
    }

    /// A key from one JWK: `{"kty":"RSA","n","e"}` or `{"kty":"EC","crv":"P-256","x","y"}`.
    /// `use` other than `sig` and an `alg` other than the key's own are refused.
    public convenience init(jwk: JSONValue) throws(KeyError) {
        if let use = jwk["use"]?.stringValue, use != "sig" { throw KeyError("JWK use '\(use)' is not 'sig'") }
        func field(_ name: String) throws(KeyError) -> [UInt8] {
            guard let text = jwk[name]?.stringValue, let bytes = Base64.decode(text), !bytes.isEmpty else {
                throw KeyError("JWK member '\(name)' is missing or not base64url")
            }
            return bytes
        }
        let spki: [UInt8]
        switch jwk["kty"]?.stringValue {
        case "RSA":
            spki = DER.rsaPublicKeyInfo(modulus: try field("n"), exponent: try field("e"))
        case "EC":
            guard jwk["crv"]?.stringValue == "P-256" else { throw KeyError("JWK curve must be P-256") }
            let x = try field("x")
            let y = try field("y")
            guard x.count == 32, y.count == 32 else { throw KeyError("JWK P-256 coordinates must be 32 bytes") }
            spki = DER.p256PublicKeyInfo(x: x, y: y)
        case let other:
            throw KeyError("JWK kty '\(other ?? "<missing>")' is not supported")
        }
        try self.init(spki: spki)
        if let alg = jwk["alg"]?.stringValue, alg != algorithm.rawValue {
            throw KeyError("JWK alg '\(alg)' does not match its \(algorithm.rawValue) key")
        }
    }

    /// Whether `signature` is this key's `algorithm` signature over `message`.
    public func verify(message: [UInt8], signature: [UInt8]) -> Bool {
        let der: [UInt8]
        switch algorithm {
        case .rs256:
            der = signature
        case .es256:
            // JWS carries r||s, 32 bytes each; OpenSSL wants DER. Any other length is malformed.
            guard signature.count == 64 else { return false }
            der = DER.ecdsaSignature(raw: signature)
        }
        guard !der.isEmpty, let ctx = EVP_MD_CTX_new() else { return false }
        defer {
            EVP_MD_CTX_free(ctx)
            // A failed verification leaves entries on this thread's error queue, which libcurl may read later.
            ERR_clear_error()
        }
        guard EVP_DigestVerifyInit(ctx, nil, EVP_sha256(), nil, pkey) == 1 else { return false }
        let result = der.withUnsafeBufferPointer { sig in
            message.withUnsafeBufferPointer { msg in
                // An empty message still needs a non-null pointer.
                var zero: UInt8 = 0
                return withUnsafePointer(to: &zero) { fallback in
                    EVP_DigestVerify(ctx, sig.baseAddress, sig.count, msg.baseAddress ?? fallback, msg.count)
                }
            }
        }
        return result == 1
    }

    /// Why a key could not be loaded.
    public struct KeyError: Error, Sendable, CustomStringConvertible {
        /// What is wrong with the key.
        public let message: String
        init(_ message: String) { self.message = message }
        public var description: String { message }
    }
}
