import TinyJSON

/// Mastra's error answers (`{"error": "..."}` with the handler's status) before streaming.
package enum MastraErrors {
    package static func map(status: Int, body: [UInt8], agentID: String) -> UpstreamError {
        let doc = try? JSONValue.parse(body)
        var message = doc?["error"]?.stringValue ?? doc?["error"]?["message"]?.stringValue ?? doc?["message"]?.stringValue ?? ""
        if message.isEmpty { message = String(decoding: body.prefix(300), as: UTF8.self) }
        message = "Mastra: " + String(message.prefix(500))
        switch status {
        case 404:
            return UpstreamError(
                httpStatus: 404, code: "AgentNotFound", message: "\(message) (agent id '\(agentID)')", retryable: false, upstreamStatus: status)
        case 400, 422:
            return UpstreamError(httpStatus: 502, code: "UpstreamRejected", message: message, retryable: false, upstreamStatus: status)
        case 401, 403:
            return UpstreamError(httpStatus: 502, code: "UpstreamAuthFailed", message: message, retryable: false, upstreamStatus: status)
        case 429:
            return UpstreamError(httpStatus: 503, code: "Throttling", message: message, retryable: true, upstreamStatus: status)
        case 503:
            return UpstreamError(httpStatus: 503, code: "UpstreamUnavailable", message: message, retryable: true, upstreamStatus: status)
        case 504:
            return UpstreamError(httpStatus: 504, code: "UpstreamTimeout", message: message, retryable: true, upstreamStatus: status)
        default:
            return UpstreamError(
                httpStatus: 502, code: "UpstreamError", message: message, retryable: status >= 500, upstreamStatus: status)
        }
    }
}
