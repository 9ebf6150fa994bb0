import Primitives
/// Knobs that differ between AWS services (and between the official test suite and real services).
public struct SigV4Options: Sendable, Equatable {
    /// Percent-encode the request path once more for the canonical URI (every service but S3).
    ///
    /// The signer receives the path as it goes on the wire, so an AgentCore ARN segment that is already
    /// `arn%3Aaws%3A…` becomes `arn%253Aaws%253A…` in the canonical request; that double encoding is what
    /// botocore and AWS compute. For a raw path (the aws-c-auth suite's `/example space/`) the same step is a
    /// single encoding. S3 signs the wire path unchanged: pass `false` there.
    public var doubleEncodePath: Bool
    /// Remove `.`, `..` and empty segments from the path before encoding (every service but S3).
    public var normalizePath: Bool
    /// Include `X-Amz-Security-Token` in the signature. AWS services expect it signed; `false` reproduces the
    /// legacy "token added after signing" variant of the test suite. The header is sent either way.
    public var signSessionToken: Bool
    /// Send and sign `X-Amz-Content-SHA256` with the payload hash. Off by default: botocore does not send it to
    /// non-S3 services (AgentCore included), and an extra signed header only adds ways to mismatch.
    public var addContentSHA256Header: Bool
    /// Lower-case names of headers left out of the signature, because proxies and HTTP stacks add, drop or
    /// rewrite them in transit (botocore's `SIGNED_HEADERS_BLACKLIST`).
    public var unsignedHeaders: Set<String>

    /// botocore's list: hop-by-hop headers, plus `user-agent` and `x-amzn-trace-id` which tracing/SDK layers rewrite.
    public static let defaultUnsignedHeaders: Set<String> = [
        "connection", "expect", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
        "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id",
    ]

    /// Creates options; the defaults are right for AgentCore and every other non-S3 service.
    public init(
        doubleEncodePath: Bool = true,
        normalizePath: Bool = true,
        signSessionToken: Bool = true,
        addContentSHA256Header: Bool = false,
        unsignedHeaders: Set<String> = SigV4Options.defaultUnsignedHeaders
    ) {
        self.doubleEncodePath = doubleEncodePath
        self.normalizePath = normalizePath
        self.signSessionToken = signSessionToken
        self.addContentSHA256Header = addContentSHA256Header
        self.unsignedHeaders = Set(unsignedHeaders.map { asciiLowercased($0) })
    }
}

/// The result of signing: headers to add to the request, plus the intermediate strings for debugging.
public struct SignedRequest: Sendable {
    /// Headers the caller must send, in addition to its own: `X-Amz-Date`, `X-Amz-Security-Token` (when the
    /// credentials carry a token), `X-Amz-Content-SHA256` (when enabled) and `Authorization`.
    public let headers: [(name: String, value: String)]
    /// The `Authorization` header value.
    public let authorization: String
    /// The hex signature alone.
    public let signature: String
    /// `;`-joined lower-case names of the signed headers.
    public let signedHeaders: String
    /// `YYYYMMDD'T'HHMMSS'Z'`, also sent as `X-Amz-Date`.
    public let amzDate: String
    /// `YYYYMMDD/region/service/aws4_request`.
    public let credentialScope: String
    /// Hex SHA-256 of the body (or the caller's `X-Amz-Content-SHA256` value).
    public let payloadHash: String
    /// The canonical request that was hashed (compare with AWS's "The Canonical String for this request…").
    public let canonicalRequest: String
    /// The string to sign.
    public let stringToSign: String

    /// Returns `original` with the signing headers applied: any header the signer sets (`Authorization`,
    /// `X-Amz-Date`, …) is removed from `original` first, so a retried request never carries two signatures.
    public func apply(to original: [(String, String)]) -> [(String, String)] {
        let replaced = Set(headers.map { asciiLowercased($0.name) })
        var result = original.filter { !replaced.contains(asciiLowercased($0.0)) }
        result.append(contentsOf: headers.map { ($0.name, $0.value) })
        return result
    }
}

/// AWS Signature Version 4 (header-based) signer.
///
/// Foundation-free on purpose: it runs inside bootstrap, whose cold start and size targets exclude Foundation.
/// The canonical request follows botocore's `SigV4Auth` so signatures match what AWS SDKs produce.
public struct SigV4Signer: Sendable {
    /// Credentials used for every request.
    public let credentials: AWSCredentials
    /// Signing region, e.g. `us-east-1`.
    public let region: String
    /// Signing name, e.g. `bedrock-agentcore`.
    public let service: String
    /// Default options for ``sign(method:url:headers:body:date:options:)``.
    public let options: SigV4Options

    /// Creates a signer for one service in one region.
    public init(credentials: AWSCredentials, region: String, service: String, options: SigV4Options = SigV4Options()) {
        self.credentials = credentials
        self.region = region
        self.service = service
        self.options = options
    }

    /// Signs one request.
    ///
    /// - Parameters:
    ///   - method: HTTP method (upper-cased for signing).
    ///   - url: the URL as sent on the wire, already percent-encoded, e.g.
    ///     `https://host/runtimes/arn%3Aaws%3A…%2Fname/invocations?qualifier=DEFAULT`. Query keys and values are
    ///     decoded and re-encoded per RFC 3986, so encode them with ``PercentEncoding.encode(_:safe:)``; `+` means a plus sign.
    ///   - headers: the request's own headers; a `Host` header wins over the URL's host (default ports dropped).
    ///     `Authorization` and `X-Amz-Date` (and `X-Amz-Security-Token` when the credentials have a token) are
    ///     ignored because the signer sets them. A caller-supplied `X-Amz-Content-SHA256` (e.g. `UNSIGNED-PAYLOAD`)
    ///     is used as the payload hash instead of hashing `body`.
    ///   - body: the exact body bytes sent.
    ///   - date: signing time; AWS rejects signatures more than 5 minutes off its clock.
    ///   - options: overrides the signer's ``options`` for this request.
    public func sign(
        method: String,
        url: String,
        headers: [(String, String)] = [],
        body: [UInt8] = [],
        date: AWSDate = .now(),
        options: SigV4Options? = nil
    ) throws(SigV4Error) -> SignedRequest {
        let options = options ?? self.options
        let parsed = try ParsedURL(url)
        let amzDate = date.amzDate
        let credentialScope = "\(date.dateStamp)/\(region)/\(service)/aws4_request"
        let token = credentials.sessionToken

        // Collect signed headers in arrival order per name; duplicates are joined with ',' below, as botocore does.
        var names: [String] = []
        var values: [String: [String]] = [:]
        func add(_ name: String, _ value: String) {
            if values[name] == nil { names.append(name) }
            values[name, default: []].append(value)
        }
        var callerPayloadHash: String?
        for (rawName, value) in headers {
            let name = asciiLowercased(trimmed(rawName))
            if options.unsignedHeaders.contains(name) { continue }
            switch name {
            case "authorization", "x-amz-date":
                continue
            case "x-amz-security-token" where token != nil:
                continue
            case "x-amz-content-sha256":
                callerPayloadHash = callerPayloadHash ?? trimAll(value)
            default:
                break
            }
            add(name, value)
        }

        let payloadHash: String
        if let callerPayloadHash {
            payloadHash = callerPayloadHash
        } else {
            payloadHash = try Crypto.sha256Hex(body)
        }
        var addedHeaders: [(name: String, value: String)] = [("X-Amz-Date", amzDate)]
        add("x-amz-date", amzDate)
        if let token {
            addedHeaders.append(("X-Amz-Security-Token", token))
            if options.signSessionToken { add("x-amz-security-token", token) }
        }
        if options.addContentSHA256Header, callerPayloadHash == nil {
            addedHeaders.append(("X-Amz-Content-SHA256", payloadHash))
            add("x-amz-content-sha256", payloadHash)
        }
        if values["host"] == nil { add("host", parsed.hostHeader) }

        let sortedNames = names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var canonicalHeaders = ""
        for name in sortedNames {
            let joined = (values[name] ?? []).map(trimAll).joined(separator: ",")
            canonicalHeaders += name + ":" + joined + "\n"
        }
        let signedHeaders = sortedNames.joined(separator: ";")

        let canonicalRequest = [
            asciiUppercased(method),
            canonicalURI(parsed.path, options: options),
            canonicalQuery(parsed.query),
            canonicalHeaders,
            signedHeaders,
            payloadHash,
        ].joined(separator: "\n")

        let stringToSign = [
            "AWS4-HMAC-SHA256",
            amzDate,
            credentialScope,
            try Crypto.sha256Hex(Array(canonicalRequest.utf8)),
        ].joined(separator: "\n")

        let signature = Hex.encode(try Crypto.hmacSHA256(key: signingKey(dateStamp: date.dateStamp),
                                                          string: stringToSign))
        let authorization = "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(credentialScope), "
            + "SignedHeaders=\(signedHeaders), Signature=\(signature)"
        addedHeaders.append(("Authorization", authorization))

        return SignedRequest(
            headers: addedHeaders,
            authorization: authorization,
            signature: signature,
            signedHeaders: signedHeaders,
            amzDate: amzDate,
            credentialScope: credentialScope,
            payloadHash: payloadHash,
            canonicalRequest: canonicalRequest,
            stringToSign: stringToSign
        )
    }

    /// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request").
    func signingKey(dateStamp: String) throws(SigV4Error) -> [UInt8] {
        let kDate = try Crypto.hmacSHA256(key: Array("AWS4\(credentials.secretAccessKey)".utf8), string: dateStamp)
        let kRegion = try Crypto.hmacSHA256(key: kDate, string: region)
        let kService = try Crypto.hmacSHA256(key: kRegion, string: service)
        return try Crypto.hmacSHA256(key: kService, string: "aws4_request")
    }
}

// MARK: - Canonicalization helpers

/// Canonical URI: optionally normalized, then (for non-S3) encoded once more with `/` kept.
func canonicalURI(_ path: String, options: SigV4Options) -> String {
    var path = path.isEmpty ? "/" : path
    if options.normalizePath { path = removeDotSegments(path) }
    return options.doubleEncodePath ? PercentEncoding.encode(path, safe: "/") : path
}

/// RFC 3986 §5.2.4 dot-segment removal, plus dropping empty segments (`//`), exactly as botocore's
/// `normalize_url_path` does, since AWS services collapse consecutive slashes too.
func removeDotSegments(_ path: String) -> String {
    guard !path.isEmpty else { return "/" }
    var output: [Substring] = []
    for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
        if segment == "." { continue }
        if segment == ".." {
            if !output.isEmpty { output.removeLast() }
            continue
        }
        output.append(segment)
    }
    let first = path.hasPrefix("/") ? "/" : ""
    let last = path.hasSuffix("/") && !output.isEmpty ? "/" : ""
    return first + output.joined(separator: "/") + last
}

/// Canonical query: each `key=value` decoded then RFC 3986-encoded, sorted by encoded key then value (bytewise).
func canonicalQuery(_ query: String) -> String {
    guard !query.isEmpty else { return "" }
    var pairs: [(String, String)] = []
    for piece in query.split(separator: "&", omittingEmptySubsequences: true) {
        let key: Substring
        let value: Substring
        if let equals = piece.firstIndex(of: "=") {
            key = piece[..<equals]
            value = piece[piece.index(after: equals)...]
        } else {
            key = piece
            value = ""
        }
        pairs.append((PercentEncoding.encode(bytes: PercentEncoding.decode(String(key))), PercentEncoding.encode(bytes: PercentEncoding.decode(String(value)))))
    }
    pairs.sort { lhs, rhs in
        if lhs.0 != rhs.0 { return lhs.0.utf8.lexicographicallyPrecedes(rhs.0.utf8) }
        return lhs.1.utf8.lexicographicallyPrecedes(rhs.1.utf8)
    }
    return pairs.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
}

/// SigV4 "Trimall": strip leading/trailing whitespace and collapse inner runs to one space. Newlines count as
/// whitespace so folded (multi-line) header values sign like botocore's `' '.join(value.split())`.
func trimAll(_ value: String) -> String {
    var out: [UInt8] = []
    out.reserveCapacity(value.utf8.count)
    var pendingSpace = false
    for byte in value.utf8 {
        if isASCIIWhitespace(byte) {
            pendingSpace = !out.isEmpty
        } else {
            if pendingSpace { out.append(UInt8(ascii: " ")) }
            pendingSpace = false
            out.append(byte)
        }
    }
    return String(decoding: out, as: UTF8.self)
}

func trimmed(_ value: String) -> String {
    let bytes = Array(value.utf8)
    guard let start = bytes.firstIndex(where: { !isASCIIWhitespace($0) }),
          let end = bytes.lastIndex(where: { !isASCIIWhitespace($0) })
    else { return "" }
    return String(decoding: bytes[start...end], as: UTF8.self)
}

@inline(__always)
func isASCIIWhitespace(_ byte: UInt8) -> Bool {
    byte == 0x20 || (byte >= 0x09 && byte <= 0x0d)
}

/// ASCII-only case mapping: header names and methods are ASCII, and Unicode-aware lowercasing could change
/// byte lengths in ways no AWS implementation does.
func asciiLowercased(_ value: String) -> String {
    String(decoding: value.utf8.map { $0 >= 0x41 && $0 <= 0x5a ? $0 + 32 : $0 }, as: UTF8.self)
}

func asciiUppercased(_ value: String) -> String {
    String(decoding: value.utf8.map { $0 >= 0x61 && $0 <= 0x7a ? $0 - 32 : $0 }, as: UTF8.self)
}

// MARK: - URL parsing

/// The parts of an absolute URL that SigV4 needs, split by hand (no Foundation `URL`, which would also
/// decode the path and lose the `%2F` inside an ARN segment).
struct ParsedURL {
    /// `host` header value: lower-cased host, with the port only when it is not the scheme's default.
    let hostHeader: String
    /// Path as written in the URL (still percent-encoded), without query or fragment.
    let path: String
    /// Query as written, without `?` and fragment.
    let query: String

    init(_ url: String) throws(SigV4Error) {
        // Plain index arithmetic, not `firstRange(of:)`: that lives in _StringProcessing, which links the
        // regex parser (about 1 MB) into bootstrap.
        guard let colon = url.firstIndex(of: ":"), url[colon...].hasPrefix("://") else { throw .invalidURL(url) }
        let scheme = asciiLowercased(String(url[..<colon]))
        let rest = url[url.index(colon, offsetBy: 3)...]
        let delimiters: Set<Character> = ["/", "?", "#"]
        let authorityEnd = rest.firstIndex(where: { delimiters.contains($0) }) ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }

        var host: Substring
        var port: Substring = ""
        if authority.hasPrefix("[") {
            // IPv6 literal: the port colon comes after the closing bracket.
            guard let close = authority.firstIndex(of: "]") else { throw .invalidURL(url) }
            host = authority[...close]
            let afterBracket = authority[authority.index(after: close)...]
            if afterBracket.hasPrefix(":") { port = afterBracket.dropFirst() }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            port = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        guard !host.isEmpty else { throw .invalidURL(url) }
        guard port.allSatisfy({ $0.isASCII && $0.isNumber }) else { throw .invalidURL(url) }
        let defaultPort = scheme == "https" ? 443 : (scheme == "http" ? 80 : nil)
        var hostHeader = asciiLowercased(String(host))
        if let portNumber = Int(port), portNumber != defaultPort {
            hostHeader += ":\(portNumber)"
        }
        self.hostHeader = hostHeader

        var pathAndQuery = rest[authorityEnd...]
        if let hash = pathAndQuery.firstIndex(of: "#") { pathAndQuery = pathAndQuery[..<hash] }
        if let question = pathAndQuery.firstIndex(of: "?") {
            self.path = String(pathAndQuery[..<question])
            self.query = String(pathAndQuery[pathAndQuery.index(after: question)...])
        } else {
            self.path = String(pathAndQuery)
            self.query = ""
        }
    }
}
