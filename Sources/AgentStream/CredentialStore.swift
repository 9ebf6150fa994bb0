import Primitives
import CurlHTTP
import SigV4
import TinyJSON

/// `SUPABASE_URL`, `SUPABASE_KEY`, `CREDENTIALS_TABLE`: where per-user AWS credentials live (DESIGN.md §5).
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

    /// Headers for a Mastra server (`X-AWS-*`, read by the seed's middleware).
    func mastraHeaders(defaultRegion: String) -> [(String, String)] {
        var h = [("X-AWS-Access-Key-ID", accessKeyID), ("X-AWS-Secret-Access-Key", secretAccessKey)]
        if let t = sessionToken { h.append(("X-AWS-Session-Token", t)) }
        if let r = region ?? defaultRegion.nonEmptyString { h.append(("X-AWS-Region", r)) }
        return h
    }

    /// Headers for AgentCore: only `X-Amzn-Bedrock-AgentCore-Runtime-Custom-*` headers reach the container
    /// (and only when the runtime's request-header allowlist names them).
    func agentCoreHeaders(defaultRegion: String) -> [(String, String)] {
        let p = "X-Amzn-Bedrock-AgentCore-Runtime-Custom-"
        var h = [(p + "Aws-Access-Key-Id", accessKeyID), (p + "Aws-Secret-Access-Key", secretAccessKey)]
        if let t = sessionToken { h.append((p + "Aws-Session-Token", t)) }
        if let r = region ?? defaultRegion.nonEmptyString { h.append((p + "Aws-Region", r)) }
        return h
    }
}

/// Reads a user's row through Supabase's PostgREST API:
/// `GET {SUPABASE_URL}/rest/v1/{table}?select=*&user_id=eq.{id}&limit=1`.
struct CredentialStore: Sendable {
    let config: CredentialStoreConfig
    let client: CurlClient

    init(config: CredentialStoreConfig, client: CurlClient = .shared) {
        self.config = config
        self.client = client
    }

    /// The request for `userID`. `select=*` so the column spellings below all work; `limit=1` instead of
    /// `Accept: application/vnd.pgrst.object+json` so "no row" is a plain `[]`, not a 406 to tell apart.
    func request(userID: String) -> CurlRequest {
        let url = config.url + "/rest/v1/" + config.table + "?select=*&user_id=eq." + PercentEncoding.encode(userID) + "&limit=1"
        var headers: HeaderFields = ["Accept": "application/json", "apikey": config.key, "User-Agent": "agentstream/1.0"]
        // New-style `sb_...` keys are not JWTs and must not go in Authorization; legacy JWT keys go in both.
        if !config.key.hasPrefix("sb_") { headers.add("Authorization", "Bearer " + config.key) }
        return CurlRequest(method: "GET", url: url, headers: headers, connectTimeoutMs: 2000, timeoutMs: 4000)
    }

    /// The user's credentials. No row → 403; store unreachable or failing → 503. Messages never carry
    /// the key or the row's values.
    func credentials(userID: String) async throws(HTTPFailure) -> UserAWSCredentials {
        let head: CurlResponseHead
        let body: [UInt8]
        do {
            (head, body) = try await client.fetch(request(userID: userID), limit: 64 * 1024)
        } catch {
            throw Self.unavailable("the credential store could not be reached (\(error.kind == .timeout ? "timeout" : "connection failed"))")
        }
        guard head.status == 200 else {
            // PostgREST errors are {code, details, hint, message}; the code is safe to surface, the rest may echo the query.
            let code = (try? JSONValue.parse(body))?["code"]?.stringValue.map { ", code \($0)" } ?? ""
            throw Self.unavailable("the credential store answered HTTP \(head.status)\(code)")
        }
        guard let rows = (try? JSONValue.parse(body))?.arrayValue else {
            throw Self.unavailable("the credential store answered with something other than a JSON array")
        }
        guard let row = rows.first else {
            throw HTTPFailure.forbidden("no AWS credentials are stored for this user; add them in the app's settings before using the agent")
        }
        func field(_ names: String...) -> String? {
            for n in names {
                if let s = row[n]?.stringValue, !s.isEmpty { return s }
            }
            return nil
        }
        guard let access = field("aws_access_key_id", "access_key_id"),
            let secret = field("aws_secret_access_key", "secret_access_key")
        else {
            throw HTTPFailure.forbidden("the AWS credentials stored for this user are incomplete (access key id and secret key are required)")
        }
        return UserAWSCredentials(
            accessKeyID: access, secretAccessKey: secret, sessionToken: field("aws_session_token", "session_token"),
            region: field("aws_region", "region"))
    }

    static func unavailable(_ message: String) -> HTTPFailure {
        HTTPFailure(status: 503, body: ["error": "credentials_unavailable", "message": .string(message), "retryable": true])
    }
}

extension String {
    var nonEmptyString: String? { isEmpty ? nil : self }
}
