import Primitives

/// Names of the Runtime API's headers, written once.
public enum RuntimeAPIHeader {
    /// The invocation's id (`/next` response).
    public static let requestID = "Lambda-Runtime-Aws-Request-Id"
    /// Deadline in Unix epoch milliseconds (`/next` response).
    public static let deadline = "Lambda-Runtime-Deadline-Ms"
    /// ARN of the function that was invoked (`/next` response).
    public static let invokedFunctionARN = "Lambda-Runtime-Invoked-Function-Arn"
    /// X-Ray trace header of the invocation (`/next` response).
    public static let traceID = "Lambda-Runtime-Trace-Id"
    /// Mobile SDK client context (`/next` response).
    public static let clientContext = "Lambda-Runtime-Client-Context"
    /// Cognito identity (`/next` response).
    public static let cognitoIdentity = "Lambda-Runtime-Cognito-Identity"
    /// Tenant id for tenant-isolated functions (`/next` response).
    public static let tenantID = "Lambda-Runtime-Aws-Tenant-Id"
    /// `Function.<Name>` or `Runtime.<Name>` on an error report, and as a trailer of a failed stream.
    public static let functionErrorType = "Lambda-Runtime-Function-Error-Type"
    /// Base64 of the error document, as a trailer of a failed stream.
    public static let functionErrorBody = "Lambda-Runtime-Function-Error-Body"
    /// `streaming` on a streamed response.
    public static let responseMode = "Lambda-Runtime-Function-Response-Mode"
    /// The content type of a streamed HTTP-integration response (prelude, 8 NUL bytes, body).
    public static let httpIntegrationContentType = "application/vnd.awslambda.http-integration-response"
}

/// One request to the Runtime API: its method, path and fixed headers, built in one place.
public enum RuntimeAPIRequest: Sendable, Equatable {
    /// `GET /invocation/next`: wait (without a timeout) for the next invocation.
    case next
    /// `POST /invocation/{id}/response` with a whole payload.
    case response(requestID: String)
    /// `POST /invocation/{id}/response`, streamed: chunked body, error trailers announced.
    case streamedResponse(requestID: String)
    /// `POST /invocation/{id}/error`.
    case invocationError(requestID: String, errorType: String)
    /// `POST /init/error`.
    case initError(errorType: String)

    /// `GET` for `/next`, `POST` for everything else.
    public var method: String {
        if case .next = self { return "GET" }
        return "POST"
    }

    /// The path below `/2018-06-01/runtime`, with the request id percent-encoded as one segment.
    public var path: String {
        switch self {
        case .next: "/invocation/next"
        case .response(let id), .streamedResponse(let id): "/invocation/" + PercentEncoding.encode(id) + "/response"
        case .invocationError(let id, _): "/invocation/" + PercentEncoding.encode(id) + "/error"
        case .initError: "/init/error"
        }
    }

    /// Headers the Runtime API needs for this request (the body's content type included).
    public func headers(contentType: String? = nil) -> [(String, String)] {
        switch self {
        case .next:
            return []
        case .response:
            return [("Content-Type", contentType ?? "application/json")]
        case .streamedResponse:
            return [
                (RuntimeAPIHeader.responseMode, "streaming"),
                ("Trailer", RuntimeAPIHeader.functionErrorType + ", " + RuntimeAPIHeader.functionErrorBody),
                ("Content-Type", RuntimeAPIHeader.httpIntegrationContentType),
            ]
        case .invocationError(_, let type), .initError(let type):
            return [(RuntimeAPIHeader.functionErrorType, type), ("Content-Type", "application/json")]
        }
    }
}

/// Where the Runtime API lives. Accepts `host:port` as Lambda sets it, and also an `http://` scheme and a
/// path prefix as some local emulators do.
public struct RuntimeAPIEndpoint: Sendable, Equatable {
    /// `host:port`.
    public let hostPort: String
    /// `http://host:port[/prefix]/2018-06-01/runtime`.
    public let base: String

    /// Parses `AWS_LAMBDA_RUNTIME_API`; the error quotes the value.
    public init(_ value: String) throws(RuntimeAPIError) {
        var rest = Substring(value)
        while let f = rest.first, f == " " { rest.removeFirst() }
        while let l = rest.last, l == " " || l == "/" { rest.removeLast() }
        if rest.hasPrefix("http://") { rest = rest.dropFirst(7) }
        if rest.hasPrefix("https://") {
            throw RuntimeAPIError(.invalidEndpoint, "AWS_LAMBDA_RUNTIME_API must be plain http, got \(value)")
        }
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let host = rest[..<slash]
        let path = rest[slash...]
        guard !host.isEmpty else { throw RuntimeAPIError(.invalidEndpoint, "AWS_LAMBDA_RUNTIME_API has no host: \(value)") }
        if let colon = host.lastIndex(of: ":") {
            guard let p = Int(host[host.index(after: colon)...]), p > 0, p < 65536 else {
                throw RuntimeAPIError(.invalidEndpoint, "AWS_LAMBDA_RUNTIME_API has an invalid port: \(value)")
            }
        }
        hostPort = String(host)
        base = "http://" + hostPort + path + "/2018-06-01/runtime"
    }

    /// The absolute URL of `request`.
    public func url(for request: RuntimeAPIRequest) -> String { base + request.path }
}
