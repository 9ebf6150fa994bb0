import CurlHTTP
import Primitives
import TinyJSON

/// Reads a user's row through Supabase's PostgREST API:
/// `GET {SUPABASE_URL}/rest/v1/{table}?select=*&user_id=eq.{id}&limit=1`.
struct CredentialStore: Sendable {
    let config: CredentialStoreConfig
    let client: CurlClient

    /// Largest PostgREST answer read (one row of four short strings is far smaller).
    static let maxAnswerBytes = 64 * 1024

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
            (head, body) = try await client.fetch(request(userID: userID), limit: Self.maxAnswerBytes)
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
