// Just enough DER (X.690) to hand JWKs and JWS signatures to OpenSSL: a JWK's RSA n/e or EC x/y become a
// SubjectPublicKeyInfo that d2i_PUBKEY reads, and an ES256 signature's raw r||s becomes the ECDSA-Sig-Value
// EVP_DigestVerify expects. Building the few fixed structures by hand avoids OpenSSL's version-specific
// key-construction APIs and keeps the inputs easy to test.

enum DER {
    /// `tag` + definite length + `content`.
    static func tlv(_ tag: UInt8, _ content: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [tag]
        let n = content.count
        if n < 0x80 {
            out.append(UInt8(n))
        } else {
            var lengthBytes: [UInt8] = []
            var v = n
            while v > 0 {
                lengthBytes.insert(UInt8(v & 0xFF), at: 0)
                v >>= 8
            }
            out.append(0x80 | UInt8(lengthBytes.count))
            out.append(contentsOf: lengthBytes)
        }
        out.append(contentsOf: content)
        return out
    }

    static func sequence(_ parts: [UInt8]...) -> [UInt8] { tlv(0x30, parts.flatMap { $0 }) }

    /// A non-negative INTEGER from big-endian magnitude bytes: leading zeros stripped, one zero added
    /// back when the high bit is set (otherwise DER would read the number as negative).
    static func unsignedInteger(_ magnitude: some Collection<UInt8>) -> [UInt8] {
        var bytes = Array(magnitude.drop { $0 == 0 })
        if bytes.isEmpty { bytes = [0] }
        if let first = bytes.first, first & 0x80 != 0 { bytes.insert(0, at: 0) }
        return tlv(0x02, bytes)
    }

    /// A BIT STRING with no unused bits.
    static func bitString(_ bytes: [UInt8]) -> [UInt8] { tlv(0x03, [0] + bytes) }

    static let null: [UInt8] = [0x05, 0x00]
    /// 1.2.840.113549.1.1.1 rsaEncryption
    static let rsaEncryptionOID: [UInt8] = [0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01]
    /// 1.2.840.10045.2.1 id-ecPublicKey
    static let ecPublicKeyOID: [UInt8] = [0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01]
    /// 1.2.840.10045.3.1.7 prime256v1 (P-256)
    static let prime256v1OID: [UInt8] = [0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07]

    /// SubjectPublicKeyInfo of an RSA public key.
    static func rsaPublicKeyInfo(modulus: [UInt8], exponent: [UInt8]) -> [UInt8] {
        let rsaKey = sequence(unsignedInteger(modulus), unsignedInteger(exponent))
        return sequence(sequence(rsaEncryptionOID, null), bitString(rsaKey))
    }

    /// SubjectPublicKeyInfo of an uncompressed P-256 point.
    static func p256PublicKeyInfo(x: [UInt8], y: [UInt8]) -> [UInt8] {
        sequence(sequence(ecPublicKeyOID, prime256v1OID), bitString([0x04] + x + y))
    }

    /// ECDSA-Sig-Value `SEQUENCE { r INTEGER, s INTEGER }` from JWS's fixed-width `r || s`.
    static func ecdsaSignature(raw: [UInt8]) -> [UInt8] {
        let half = raw.count / 2
        return sequence(unsignedInteger(raw[..<half]), unsignedInteger(raw[half...]))
    }
}
