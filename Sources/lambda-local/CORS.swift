import Foundation
import NIOHTTP1

/// A Function URL CORS configuration (the `Cors` object of `aws lambda get-function-url-config`).
///
/// Like the real service, the emulator answers preflights itself and its headers win over any the
/// function sets, so a function behind a CORS-configured URL never has to emit `Access-Control-*`.
struct CORSConfig: Sendable {
    var allowOrigins: [String] = []
    var allowMethods: [String] = []
    var allowHeaders: [String] = []
    var exposeHeaders: [String] = []
    var allowCredentials = false
    var maxAge: Int?

    enum LoadError: Error, CustomStringConvertible {
        case unreadable(String, String)
        case notAnObject(String)
        var description: String {
            switch self {
            case .unreadable(let path, let why): "cannot read CORS config \(path): \(why)"
            case .notAnObject(let path): "CORS config \(path) must be a JSON object"
            }
        }
    }

    /// Reads `{"AllowOrigins":[..],...}` or the same wrapped in `{"Cors":{...}}`; key case is ignored
    /// so hand-written lowercase configs work too.
    static func load(path: String) throws -> CORSConfig {
        guard FileManager.default.fileExists(atPath: path) else { throw LoadError.unreadable(path, "no such file") }
        guard let data = FileManager.default.contents(atPath: path) else { throw LoadError.unreadable(path, "not readable") }
        guard var object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw LoadError.notAnObject(path)
        }
        if let inner = object.first(where: { $0.key.lowercased() == "cors" })?.value as? [String: Any] {
            object = inner
        }
        var lowered: [String: Any] = [:]
        for (key, value) in object { lowered[key.lowercased()] = value }
        func strings(_ key: String) -> [String] {
            switch lowered[key] {
            case let list as [Any]: list.compactMap { $0 as? String }
            case let single as String: [single]
            default: []
            }
        }
        var config = CORSConfig()
        config.allowOrigins = strings("alloworigins")
        config.allowMethods = strings("allowmethods")
        config.allowHeaders = strings("allowheaders")
        config.exposeHeaders = strings("exposeheaders")
        config.allowCredentials = (lowered["allowcredentials"] as? Bool) ?? false
        if let age = lowered["maxage"] as? NSNumber { config.maxAge = age.intValue }
        return config
    }

    /// Whether `origin` matches an entry of AllowOrigins (`*` matches all; comparison ignores case).
    func allows(origin: String) -> Bool {
        allowOrigins.contains { $0 == "*" || $0.caseInsensitiveCompare(origin) == .orderedSame }
    }

    /// `*` only when the config says so and credentials are off (browsers reject `*` with credentials).
    private func allowOriginValue(for origin: String) -> String {
        allowOrigins.contains("*") && !allowCredentials ? "*" : origin
    }

    /// A request the emulator must answer itself: OPTIONS with Origin and Access-Control-Request-Method.
    static func isPreflight(_ head: HTTPRequestHead) -> Bool {
        head.method == .OPTIONS && head.headers.contains(name: "origin")
            && head.headers.contains(name: "access-control-request-method")
    }

    /// Headers of the preflight answer. An origin that is not allowed gets none, which makes the
    /// browser refuse the real request, as with the real service.
    func preflightHeaders(for head: HTTPRequestHead) -> HTTPHeaders {
        var headers = HTTPHeaders()
        headers.add(name: "vary", value: "Origin")
        guard let origin = head.headers.first(name: "origin"), allows(origin: origin) else { return headers }
        headers.add(name: "access-control-allow-origin", value: allowOriginValue(for: origin))
        let requestedMethod = head.headers.first(name: "access-control-request-method") ?? ""
        if allowMethods.contains("*") {
            headers.add(name: "access-control-allow-methods", value: allowCredentials ? requestedMethod : "*")
        } else if !allowMethods.isEmpty {
            headers.add(name: "access-control-allow-methods", value: allowMethods.joined(separator: ","))
        }
        let requestedHeaders = head.headers.first(name: "access-control-request-headers")
        if allowHeaders.contains("*") {
            headers.add(name: "access-control-allow-headers", value: requestedHeaders ?? "*")
        } else if !allowHeaders.isEmpty {
            headers.add(name: "access-control-allow-headers", value: allowHeaders.joined(separator: ","))
        }
        if let maxAge { headers.add(name: "access-control-max-age", value: String(maxAge)) }
        if allowCredentials { headers.add(name: "access-control-allow-credentials", value: "true") }
        return headers
    }

    /// Adds the CORS headers to a non-preflight response for an allowed `origin`, replacing the
    /// function's own values (configured headers win).
    func decorate(_ headers: inout HTTPHeaders, origin: String?) {
        guard let origin, allows(origin: origin) else { return }
        headers.replaceOrAdd(name: "access-control-allow-origin", value: allowOriginValue(for: origin))
        if !exposeHeaders.isEmpty {
            headers.replaceOrAdd(name: "access-control-expose-headers", value: exposeHeaders.joined(separator: ","))
        }
        if allowCredentials {
            headers.replaceOrAdd(name: "access-control-allow-credentials", value: "true")
        }
        let vary = headers[canonicalForm: "vary"].map(String.init)
        if !vary.contains(where: { $0.caseInsensitiveCompare("origin") == .orderedSame || $0 == "*" }) {
            headers.add(name: "vary", value: "Origin")
        }
    }
}
