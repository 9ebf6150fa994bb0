import CurlHTTP
import TinyJSON

/// AgentCore's rest-json errors (`x-amzn-ErrorType`, `message`/`Message`, `reason`, `fieldList`) as our status,
/// code and retryability.
package enum AgentCoreErrors {
    package static func map(status: Int, headers: HeaderFields, body: [UInt8]) -> UpstreamError {
        let doc = try? JSONValue.parse(body)
        var code = headers["x-amzn-ErrorType"] ?? doc?["__type"]?.stringValue ?? doc?["code"]?.stringValue ?? ""
        // botocore strips everything after ':' and before '#'.
        if let colon = code.firstIndex(of: ":") { code = String(code[..<colon]) }
        if let hash = code.lastIndex(of: "#") { code = String(code[code.index(after: hash)...]) }
        if code.isEmpty { code = "HTTP\(status)" }
        var message = doc?["message"]?.stringValue ?? doc?["Message"]?.stringValue ?? ""
        if message.isEmpty { message = String(decoding: body.prefix(300), as: UTF8.self) }
        if let reason = doc?["reason"]?.stringValue { message += " (reason: \(reason))" }
        if let fields = doc?["fieldList"]?.arrayValue, !fields.isEmpty {
            let names = fields.compactMap { f -> String? in
                guard let n = f["name"]?.stringValue else { return nil }
                return f["message"]?.stringValue.map { "\(n): \($0)" } ?? n
            }
            message += " [" + names.joined(separator: "; ") + "]"
        }
        let retryable: Bool
        let httpStatus: Int
        switch status {
        case 409, 429:
            retryable = true
            httpStatus = 503
        case 402:
            retryable = false
            httpStatus = 503
        case 500, 502, 503:
            retryable = true
            httpStatus = 502
        case 504:
            retryable = true
            httpStatus = 504
        default:
            // 400/403/404/424: the call itself or the agent is at fault; retrying will not help.
            retryable = false
            httpStatus = 502
        }
        return UpstreamError(
            httpStatus: httpStatus, code: code, message: "AgentCore: \(message)", retryable: retryable, upstreamStatus: status)
    }
}
