import CLibCrypto
import Primitives

/// Session ids that belong to their user. A backend that does not bind sessions to users (AgentCore) gets
/// `u` + hex SHA-256 of the caller and the client's id: deterministic (the same user and id reach the same
/// session again), different for every user (the same id from two users reaches two sessions), and
/// unlinkable (the client never sees it, and cannot compute another user's).
enum SessionOwnership {
    static func derive(userID: String, clientID: String) -> String {
        // A NUL cannot occur in either part, so no two (user, id) pairs share an input.
        var input = Array(userID.utf8)
        input.append(0)
        input.append(contentsOf: clientID.utf8)
        return "u" + Hex.encode(sha256(input))
    }

    static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let ok = bytes.withUnsafeBufferPointer { input in
            out.withUnsafeMutableBufferPointer { output in
                // A non-null pointer even for empty input.
                EVP_Digest(input.baseAddress ?? UnsafePointer(bitPattern: 1), input.count, output.baseAddress, &length, EVP_sha256(), nil)
            }
        }
        precondition(ok == 1 && length == 32, "EVP_Digest(sha256) failed")
        return out
    }
}
