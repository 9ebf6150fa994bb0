/// The routes of the public API, matched on the Function URL's method and `rawPath`.
enum Route: String, Sendable {
    case invoke = "/invoke"
    case root = "/"
    case stream = "/api/streaming/stream"
    case agents = "/api/streaming/agents"
    case health = "/api/streaming/health"
    case cancel = "/api/streaming/cancel"
    case preflight = "OPTIONS"

    /// The route for `method` and `path`, or nil (404).
    static func match(method: String, path: String) -> Route? {
        switch (method, path) {
        case ("POST", "/"): .root
        case ("POST", "/invoke"): .invoke
        case ("POST", "/api/streaming/stream"): .stream
        case ("GET", "/api/streaming/agents"), ("GET", "/agents"): .agents
        case ("GET", "/api/streaming/health"), ("GET", "/health"): .health
        case ("POST", "/api/streaming/cancel"), ("POST", "/cancel"): .cancel
        case ("OPTIONS", _): .preflight
        default: nil
        }
    }

    /// The route's name in logs and metric dimensions (aliases report their canonical path; preflights are
    /// `other`, like unmatched requests).
    var name: String { self == .preflight ? "other" : rawValue }
}
