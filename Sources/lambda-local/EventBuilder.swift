import Foundation
import NIOCore
import NIOHTTP1

/// Turns one HTTP request into the payload-format 2.0 event a Lambda Function URL delivers: lower-cased
/// headers with duplicates comma-joined, cookies split out, query parameters decoded and comma-joined, text
/// bodies verbatim and everything else base64.
struct EventBuilder {
    /// The Function URL port, which stands in for the `<url-id>.lambda-url.<region>.on.aws` domain.
    let port: Int
    /// Fixed stand-in for the URL id AWS puts in `apiId` and `domainPrefix`.
    let apiID = "lambdalocal"

    /// Builds the event JSON for `head`/`body`; `requestID` doubles as `requestContext.requestId`
    /// so logs on both sides correlate.
    func event(head: HTTPRequestHead, body: ByteBuffer?, sourceIP: String, requestID: String, traceID: String) -> ByteBuffer {
        let (rawPath, rawQuery) = Self.splitTarget(head.uri)
        let nowMs = epochMilliseconds()

        var headers: [String: String] = [:]
        var cookies: [String] = []
        for (name, value) in head.headers {
            let lower = name.lowercased()
            if lower == "cookie" {
                cookies += value.components(separatedBy: ";").map { $0.trimmingCharacters(in: .whitespaces) }
                    .filter { !$0.isEmpty }
                continue
            }
            if let existing = headers[lower] {
                headers[lower] = existing + "," + value
            } else {
                headers[lower] = value
            }
        }
        // AWS's front end adds these; handlers (and our bootstrap's logs) read them.
        if headers["x-forwarded-for"] == nil { headers["x-forwarded-for"] = sourceIP }
        if headers["x-forwarded-proto"] == nil { headers["x-forwarded-proto"] = "http" }
        if headers["x-forwarded-port"] == nil { headers["x-forwarded-port"] = String(port) }
        if headers["x-amzn-trace-id"] == nil { headers["x-amzn-trace-id"] = traceID.components(separatedBy: ";").first ?? traceID }

        let method = "\(head.method)"
        var event: [String: Any] = [
            "version": "2.0",
            "routeKey": "$default",
            "rawPath": rawPath,
            "rawQueryString": rawQuery,
            "headers": headers,
            "requestContext": [
                "accountId": "123456789012",
                "apiId": apiID,
                "domainName": "127.0.0.1:\(port)",
                "domainPrefix": apiID,
                "http": [
                    "method": method,
                    "path": rawPath,
                    "protocol": "HTTP/1.1",
                    "sourceIp": sourceIP,
                    "userAgent": headers["user-agent"] ?? "",
                ],
                "requestId": requestID,
                "routeKey": "$default",
                "stage": "$default",
                "time": Self.clfTime(milliseconds: nowMs),
                "timeEpoch": nowMs,
            ] as [String: Any],
            "isBase64Encoded": false,
        ]
        if !cookies.isEmpty { event["cookies"] = cookies }
        let query = Self.parseQuery(rawQuery)
        if !query.isEmpty { event["queryStringParameters"] = query }
        if let body, body.readableBytes > 0 {
            let bytes = Array(body.readableBytesView)
            if isTextualContentType(headers["content-type"]), let text = String(validating: bytes, as: UTF8.self) {
                event["body"] = text
            } else {
                event["body"] = Data(bytes).base64EncodedString()
                event["isBase64Encoded"] = true
            }
        }
        return jsonBuffer(event)
    }

    /// Splits a request target into path and query (no `?`), tolerating absolute-form targets.
    static func splitTarget(_ uri: String) -> (String, String) {
        var target = Substring(uri)
        if target.hasPrefix("http://") || target.hasPrefix("https://"),
           let schemeEnd = target.range(of: "://") {
            let afterScheme = target[schemeEnd.upperBound...]
            target = afterScheme.firstIndex(of: "/").map { afterScheme[$0...] } ?? "/"
        }
        guard let q = target.firstIndex(of: "?") else {
            return (target.isEmpty ? "/" : String(target), "")
        }
        let path = target[..<q]
        return (path.isEmpty ? "/" : String(path), String(target[target.index(after: q)...]))
    }

    /// Decodes `a=1&a=2&b` into `{"a":"1,2","b":""}`; keys and values are percent-decoded.
    static func parseQuery(_ raw: String) -> [String: String] {
        var result: [String: String] = [:]
        for pair in raw.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = String(parts[0]).removingPercentEncoding ?? String(parts[0])
            let rawValue = parts.count > 1 ? String(parts[1]) : ""
            let value = rawValue.removingPercentEncoding ?? rawValue
            if let existing = result[key] {
                result[key] = existing + "," + value
            } else {
                result[key] = value
            }
        }
        return result
    }

    /// `12/Mar/2020:19:03:58 +0000`, the access-log style AWS uses for `requestContext.time`.
    /// Formatted by hand: DateFormatter is locale-sensitive and not Sendable.
    static func clfTime(milliseconds: Int64) -> String {
        var seconds = time_t(milliseconds / 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let month = months[Int(parts.tm_mon) % 12]
        func pad(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(parts.tm_mday, 2))/\(month)/\(pad(parts.tm_year + 1900, 4)):"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)) +0000"
    }
}
