import LambdaRuntime
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
