import TinyJSON

/// A plain HTTP error answered before any stream starts: status plus a JSON body.
public struct HTTPFailure: Error, Sendable {
    /// HTTP status.
    public var status: Int
    /// JSON body.
    public var body: JSONValue
    /// Extra response headers (e.g. `www-authenticate`).
    public var headers: [(String, String)]

    /// A failure with the given status and body.
    public init(status: Int, body: JSONValue, headers: [(String, String)] = []) {
        self.status = status
        self.body = body
        self.headers = headers
    }

    /// 400 `{"error":"validation","message","fields":[...]}`; `fields` names every bad field.
    public static func validation(_ message: String, fields: [String]) -> HTTPFailure {
        HTTPFailure(status: 400, body: ["error": "validation", "message": .string(message), "fields": .array(fields.map { .string($0) })])
    }

    /// 401 `{"error":"unauthorized","message"}`.
    public static func unauthorized(_ message: String) -> HTTPFailure {
        HTTPFailure(status: 401, body: ["error": "unauthorized", "message": .string(message)], headers: [("www-authenticate", "Bearer")])
    }

    /// 403 `{"error":"forbidden","message"}`.
    public static func forbidden(_ message: String) -> HTTPFailure {
        HTTPFailure(status: 403, body: ["error": "forbidden", "message": .string(message)])
    }

    /// 404 `{"error":"not_found","message"}`.
    public static func notFound(_ message: String) -> HTTPFailure {
        HTTPFailure(status: 404, body: ["error": "not_found", "message": .string(message)])
    }

    /// 501 `{"error":"not_implemented","message"}`.
    public static func notImplemented(_ message: String) -> HTTPFailure {
        HTTPFailure(status: 501, body: ["error": "not_implemented", "message": .string(message)])
    }

    /// 413 for bodies over the limit.
    public static func tooLarge(limit: Int) -> HTTPFailure {
        HTTPFailure(status: 413, body: ["error": "payload_too_large", "message": .string("request body exceeds \(limit) bytes")])
    }

    /// 502/503/504 for an upstream failure, carrying the upstream's code and message.
    public static func upstream(_ e: UpstreamError) -> HTTPFailure {
        var body: [String: JSONValue] = [
            "error": "upstream", "code": .string(e.code), "message": .string(e.message), "retryable": .bool(e.retryable),
        ]
        if let s = e.upstreamStatus { body["upstream_status"] = .number(Double(s)) }
        return HTTPFailure(status: e.httpStatus, body: .object(body))
    }
}
