/// One user's AWS credentials and region.
public struct UserAWSCredentials: Sendable, CustomStringConvertible {
    /// Access key id.
    public var accessKeyID: String
    /// Secret key (secret).
    public var secretAccessKey: String
    /// Session token for temporary credentials (secret).
    public var sessionToken: String?
    /// Region the user's resources are in.
    public var region: String?

    /// Redacted, so an accidental interpolation cannot leak the secret.
    public var description: String { "UserAWSCredentials(accessKeyID: \(accessKeyID.prefix(4))…, redacted)" }
}
