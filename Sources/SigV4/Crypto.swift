import Primitives
import CLibCrypto

// SHA-256 and HMAC-SHA256 come from OpenSSL's libcrypto: bootstrap already loads it for libcurl's TLS,
// so it costs no extra shared library, and it keeps Foundation/swift-crypto out of the cold-start path.
// Both helpers use OpenSSL's one-shot calls (EVP_Digest, HMAC), which are not deprecated in OpenSSL 3.

/// Errors raised while signing.
public enum SigV4Error: Error, Sendable, Equatable, CustomStringConvertible {
    /// The URL has no `scheme://host` part the signer can derive a `host` header from.
    case invalidURL(String)
    /// libcrypto reported a failure (should not happen for SHA-256; surfaced rather than trapping).
    case cryptoFailure(String)

    public var description: String {
        switch self {
        case .invalidURL(let url): "cannot sign '\(url)': no scheme://host to derive the host header from"
        case .cryptoFailure(let call): "libcrypto failed in \(call)"
        }
    }
}

enum Crypto {
    static let sha256Length = 32

    /// SHA-256 digest of `data`.
    static func sha256<Bytes: Collection>(_ data: Bytes) throws(SigV4Error) -> [UInt8] where Bytes.Element == UInt8 {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var outLength: UInt32 = 0
        let ok = withContiguousBytes(data) { pointer, count in
            out.withUnsafeMutableBufferPointer { outBuffer in
                EVP_Digest(pointer, count, outBuffer.baseAddress, &outLength, EVP_sha256(), nil)
            }
        }
        guard ok == 1, Int(outLength) == sha256Length else { throw .cryptoFailure("EVP_Digest(sha256)") }
        return Array(out.prefix(sha256Length))
    }

    /// HMAC-SHA256 of `data` keyed with `key`.
    static func hmacSHA256(key: [UInt8], data: [UInt8]) throws(SigV4Error) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var outLength: UInt32 = 0
        let result = withContiguousBytes(key) { keyPointer, keyCount in
            withContiguousBytes(data) { dataPointer, dataCount in
                out.withUnsafeMutableBufferPointer { outBuffer in
                    HMAC(EVP_sha256(), keyPointer, Int32(keyCount), dataPointer, dataCount,
                         outBuffer.baseAddress, &outLength)
                }
            }
        }
        guard result != nil, Int(outLength) == sha256Length else { throw .cryptoFailure("HMAC(sha256)") }
        return Array(out.prefix(sha256Length))
    }

    static func hmacSHA256(key: [UInt8], string: String) throws(SigV4Error) -> [UInt8] {
        try hmacSHA256(key: key, data: Array(string.utf8))
    }

    static func sha256Hex<Bytes: Collection>(_ data: Bytes) throws(SigV4Error) -> String where Bytes.Element == UInt8 {
        Hex.encode(try sha256(data))
    }

    /// Gives C a non-null pointer even for empty input: an empty Swift array has no base address, and
    /// passing NULL with length 0 is legal for EVP_Digest but not promised for every HMAC code path.
    /// Contiguous input (the usual `[UInt8]` body) is used in place; only other collections are copied.
    private static func withContiguousBytes<Bytes: Collection, R>(
        _ data: Bytes, _ body: (UnsafeRawPointer, Int) -> R
    ) -> R where Bytes.Element == UInt8 {
        func call(_ buffer: UnsafeBufferPointer<UInt8>) -> R {
            guard let base = buffer.baseAddress, !buffer.isEmpty else {
                var zero: UInt8 = 0
                return withUnsafePointer(to: &zero) { body(UnsafeRawPointer($0), 0) }
            }
            return body(UnsafeRawPointer(base), buffer.count)
        }
        if let result = data.withContiguousStorageIfAvailable(call) { return result }
        return Array(data).withUnsafeBufferPointer(call)
    }
}
