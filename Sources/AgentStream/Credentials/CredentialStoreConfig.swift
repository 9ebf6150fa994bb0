/// `SUPABASE_URL`, `SUPABASE_KEY`, `CREDENTIALS_TABLE`: where per-user AWS credentials live.
public struct CredentialStoreConfig: Sendable {
    /// Supabase project URL (no trailing slash).
    public var url: String
    /// Service key; a secret, never logged.
    public var key: String
    /// Table holding one row per user.
    public var table: String

    /// The store settings, or nil when `SUPABASE_URL` is unset (per-user credentials off).
    public static func from(environment env: [String: String], authEnabled: Bool) throws(ConfigError) -> CredentialStoreConfig? {
        guard let url = env["SUPABASE_URL"].nonEmpty else {
            if env["SUPABASE_KEY"].nonEmpty != nil || env["CREDENTIALS_TABLE"].nonEmpty != nil {
                throw ConfigError("SUPABASE_URL", "is required when SUPABASE_KEY or CREDENTIALS_TABLE is set")
            }
            return nil
        }
        guard url.hasPrefix("https://") || url.hasPrefix("http://") else {
            throw ConfigError("SUPABASE_URL", "must be an http:// or https:// URL")
        }
        guard let key = env["SUPABASE_KEY"].nonEmpty else {
            throw ConfigError("SUPABASE_KEY", "is required when SUPABASE_URL is set")
        }
        guard let table = env["CREDENTIALS_TABLE"].nonEmpty else {
            throw ConfigError("CREDENTIALS_TABLE", "is required when SUPABASE_URL is set")
        }
        guard table.unicodeScalars.allSatisfy({ $0.isASCIIAlnum || $0 == "_" || $0 == "." }) else {
            throw ConfigError("CREDENTIALS_TABLE", "must be a table name of letters, digits, '_' or '.'")
        }
        // Rows are looked up by the verified user id; without auth there is no user to look up.
        guard authEnabled else {
            throw ConfigError("AUTH_MODE", "per-user credentials (SUPABASE_URL) need AUTH_MODE=jwt")
        }
        return CredentialStoreConfig(url: url.trimmingTrailingSlashes(), key: key, table: table)
    }
}
