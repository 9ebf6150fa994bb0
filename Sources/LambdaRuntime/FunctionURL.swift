import Primitives
import TinyJSON

/// A Lambda Function URL request (payload format 2.0).
public struct FunctionURLRequest: Sendable {
    /// HTTP method from `requestContext.http.method`, upper-case.
    public var method: String
    /// `rawPath`.
    public var rawPath: String
    /// `rawQueryString` (no leading `?`).
    public var rawQueryString: String
    /// Headers; names lower-case, duplicates already comma-joined by Lambda.
    public var headers: [String: String]
    /// Cookies split out of the Cookie header.
    public var cookies: [String]
    /// Query parameters; duplicates comma-joined.
    public var queryStringParameters: [String: String]
    /// The body as bytes (base64-decoded when `isBase64Encoded`).
    public var body: [UInt8]
    /// `requestContext.requestId`.
    public var requestID: String?
    /// `requestContext.http.sourceIp`.
    public var sourceIP: String?

    /// A request built from parts (tests, other front ends).
    public init(
        method: String, rawPath: String, rawQueryString: String = "", headers: [String: String] = [:],
        cookies: [String] = [], queryStringParameters: [String: String] = [:], body: [UInt8] = [],
        requestID: String? = nil, sourceIP: String? = nil
    ) {
        self.method = method
        self.rawPath = rawPath
        self.rawQueryString = rawQueryString
        self.headers = headers
        self.cookies = cookies
        self.queryStringParameters = queryStringParameters
        self.body = body
        self.requestID = requestID
        self.sourceIP = sourceIP
    }

    /// Decodes an event; the error names the field that is missing or malformed.
    public init(event: [UInt8]) throws(InvalidEventError) {
        let json: JSONValue
        do {
            json = try JSONValue.parse(event)
        } catch {
            throw InvalidEventError(message: "event is not valid JSON (\(error.description))")
        }
        guard json.objectValue != nil else { throw InvalidEventError(message: "event is not a JSON object") }
        guard let http = json["requestContext"]?["http"], http.objectValue != nil else {
            throw InvalidEventError(message: "event has no requestContext.http: not a Function URL (payload 2.0) event")
        }
        guard let method = http["method"]?.stringValue else {
            throw InvalidEventError(message: "event field requestContext.http.method is missing")
        }
        self.method = method.uppercased()
        rawPath = json["rawPath"]?.stringValue ?? http["path"]?.stringValue ?? "/"
        rawQueryString = json["rawQueryString"]?.stringValue ?? ""
        var headers: [String: String] = [:]
        for (k, v) in json["headers"]?.objectValue ?? [:] {
            if let s = v.stringValue { headers[k.lowercased()] = s }
        }
        self.headers = headers
        cookies = (json["cookies"]?.arrayValue ?? []).compactMap(\.stringValue)
        var query: [String: String] = [:]
        for (k, v) in json["queryStringParameters"]?.objectValue ?? [:] {
            if let s = v.stringValue { query[k] = s }
        }
        queryStringParameters = query
        let text = json["body"]?.stringValue ?? ""
        if json["isBase64Encoded"]?.boolValue == true {
            guard let decoded = Base64.decode(text) else {
                throw InvalidEventError(message: "event field body is not valid base64 although isBase64Encoded is true")
            }
            body = decoded
        } else {
            body = Array(text.utf8)
        }
        requestID = json["requestContext"]?["requestId"]?.stringValue
        sourceIP = http["sourceIp"]?.stringValue
    }
}

/// The event could not be read as a Function URL request.
public struct InvalidEventError: LambdaFunctionError {
    /// What was wrong.
    public let message: String
    public var errorType: String { "InvalidEvent" }
    public var errorMessage: String { message }
}

/// The HTTP status, headers and cookies sent ahead of a streamed body (the "prelude").
public struct HTTPResponsePrelude: Sendable {
    /// Status code.
    public var statusCode: Int
    /// Headers (payload 2.0: one value per name; join duplicates with commas).
    public var headers: [(String, String)]
    /// Set-Cookie values, which a Function URL only accepts here.
    public var cookies: [String]

    /// A prelude with the given parts.
    public init(statusCode: Int, headers: [(String, String)] = [], cookies: [String] = []) {
        self.statusCode = statusCode
        self.headers = headers
        self.cookies = cookies
    }

    /// The prelude JSON: `{"statusCode":..,"headers":{..},"cookies":[..]}`, no NUL bytes.
    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128)
        out.append(contentsOf: #"{"statusCode":"#.utf8)
        JSONWriter.appendInt(statusCode, to: &out)
        out.append(contentsOf: #","headers":{"#.utf8)
        var first = true
        for (name, value) in headers {
            // content-length is not honoured as framing behind a Function URL; never send it.
            if name.lowercased() == "content-length" { continue }
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            JSONWriter.appendString(name, to: &out)
            out.append(UInt8(ascii: ":"))
            JSONWriter.appendString(value, to: &out)
        }
        out.append(contentsOf: #"},"cookies":["#.utf8)
        for (i, cookie) in cookies.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            JSONWriter.appendString(cookie, to: &out)
        }
        out.append(contentsOf: "]}".utf8)
        // A NUL inside would be read as the delimiter; JSON escaping already turns it into \u0000.
        return out
    }
}
