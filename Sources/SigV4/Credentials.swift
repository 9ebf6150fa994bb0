#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// AWS credentials used to sign requests.
///
/// `description` never prints the secret or the token, so the value is safe to log by accident.
public struct AWSCredentials: Sendable, Equatable, CustomStringConvertible {
    /// The access key id (`AKIA…` long-term, `ASIA…` temporary).
    public var accessKeyID: String
    /// The secret access key. Never logged.
    public var secretAccessKey: String
    /// The session token of temporary credentials (Lambda's execution role always has one); `nil` for long-term keys.
    public var sessionToken: String?

    /// Creates credentials; an empty `sessionToken` is treated as absent.
    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        // An exported-but-empty AWS_SESSION_TOKEN must not produce an empty signed X-Amz-Security-Token.
        self.sessionToken = (sessionToken?.isEmpty ?? true) ? nil : sessionToken
    }

    /// Reads `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and optional `AWS_SESSION_TOKEN` from `env`;
    /// `nil` when either key is missing or empty.
    public static func fromEnvironment(_ env: [String: String]) -> AWSCredentials? {
        guard let id = env["AWS_ACCESS_KEY_ID"], !id.isEmpty,
              let secret = env["AWS_SECRET_ACCESS_KEY"], !secret.isEmpty
        else { return nil }
        return AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: env["AWS_SESSION_TOKEN"])
    }

    /// Same as ``fromEnvironment(_:)`` over the process environment, read with `getenv`
    /// (no Foundation `ProcessInfo`, to keep bootstrap Foundation-free).
    public static func fromProcessEnvironment() -> AWSCredentials? {
        var env: [String: String] = [:]
        for name in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"] {
            if let value = getenv(name) { env[name] = String(cString: value) }
        }
        return fromEnvironment(env)
    }

    /// Redacted: shows only the access key id and whether a token is present.
    public var description: String {
        "AWSCredentials(accessKeyID: \(accessKeyID), secretAccessKey: <redacted>, sessionToken: \(sessionToken == nil ? "nil" : "<redacted>"))"
    }
}
