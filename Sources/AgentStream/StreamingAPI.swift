import LambdaHTTP
import LambdaRuntime
import TinyJSON

/// A validated `POST /api/streaming/stream` body (the seed's Mastra streaming API, DESIGN.md §3).
struct StreamRequest: Sendable {
    var agentName: String
    /// `[{role, content}]` as sent, validated.
    var messages: [JSONValue]
    /// Text of the last `user` message (what AgentCore agents read as `prompt`).
    var prompt: String
    var threadID: String?
    var runID: String?
    var resourceID: String?
    /// `maxRetries`, `maxSteps`, `temperature`, `topP` when given, as numbers.
    var options: [String: JSONValue]
}

/// Parsing and validation for the `/api/streaming/*` routes.
enum StreamingAPI {
    static let roles = ["user", "assistant", "system", "tool"]
    static let maxMessages = 500
    static let agentsMessage = "Available agents retrieved successfully"

    /// Numeric options and their accepted ranges. maxRetries may be 0 (no retry); maxSteps needs at least one step.
    static let numericOptions: [(name: String, range: ClosedRange<Double>, integer: Bool)] = [
        ("temperature", 0...2, false), ("topP", 0...1, false), ("maxSteps", 1...100, true), ("maxRetries", 0...10, true),
    ]

    /// Validates `body`, collecting every problem so one 400 names all bad fields. An unknown agent is a 404,
    /// reported only when the rest of the body is valid.
    static func parse(_ body: [String: JSONValue], target: (String) -> AgentTarget?) throws(HTTPFailure) -> StreamRequest {
        var bad: [String] = []
        var problems: [String] = []
        func reject(_ field: String, _ problem: String) {
            bad.append(field)
            problems.append("\(field) \(problem)")
        }
        func present(_ key: String) -> JSONValue? {
            guard let v = body[key], !v.isNull else { return nil }
            return v
        }

        var agentName = ""
        if let v = present("agentName") {
            if let s = v.stringValue, !s.isEmpty, s.utf8.count <= 64 { agentName = s } else { reject("agentName", "must be a non-empty string of at most 64 characters") }
        } else {
            reject("agentName", "is required")
        }
        let agentTarget = agentName.isEmpty ? nil : target(agentName)

        var messages: [JSONValue] = []
        var prompt: String?
        if let v = present("messages") {
            if let list = v.arrayValue {
                if list.isEmpty { reject("messages", "must not be empty") }
                if list.count > maxMessages { reject("messages", "must have at most \(maxMessages) entries") }
                for (i, m) in list.prefix(maxMessages).enumerated() {
                    let path = "messages[\(i)]"
                    guard m.objectValue != nil else {
                        reject(path, "must be an object {role, content}")
                        continue
                    }
                    let role = m["role"]?.stringValue
                    if role == nil || !roles.contains(role ?? "") {
                        reject(path + ".role", "must be one of \(roles.joined(separator: ", "))")
                    }
                    guard let text = contentText(m["content"]) else {
                        reject(path + ".content", "must be a non-empty string or a non-empty array of content parts")
                        continue
                    }
                    if role == "user" { prompt = text }
                }
                if bad.allSatisfy({ !$0.hasPrefix("messages") }), !list.isEmpty, prompt == nil {
                    reject("messages", "must contain at least one message with role 'user'")
                }
                messages = list
            } else {
                reject("messages", "must be an array of {role, content} objects")
            }
        } else {
            reject("messages", "is required")
        }

        func identifier(_ key: String) -> String? {
            guard let v = present(key) else { return nil }
            guard let s = v.stringValue, isPrintableID(s) else {
                reject(key, "must be a string of 1-256 printable characters")
                return nil
            }
            return s
        }
        var threadID: String?
        if let v = present("threadId") {
            if case .agentCore = agentTarget {
                // For AgentCore the thread is the runtime session, whose id rules are strict (DESIGN.md §3).
                if let s = v.stringValue, SessionID.isValid(s) { threadID = s } else { reject("threadId", SessionID.rule) }
            } else {
                threadID = identifier("threadId")
            }
        }
        let runID = identifier("runId")
        let resourceID = identifier("resourceId")

        var options: [String: JSONValue] = [:]
        for (name, range, integer) in numericOptions {
            guard let v = present(name) else { continue }
            let kind = integer ? "an integer" : "a number"
            guard let d = v.doubleValue, d.isFinite, range.contains(d), !integer || v.intValue != nil else {
                reject(name, "must be \(kind) from \(format(range.lowerBound)) to \(format(range.upperBound))")
                continue
            }
            options[name] = v
        }

        guard bad.isEmpty, let prompt else {
            throw HTTPFailure.validation(problems.joined(separator: "; "), fields: bad)
        }
        guard agentTarget != nil else {
            throw HTTPFailure.notFound("unknown agent '\(agentName)'; GET /api/streaming/agents lists the configured agents")
        }
        return StreamRequest(
            agentName: agentName, messages: messages, prompt: prompt, threadID: threadID, runID: runID, resourceID: resourceID,
            options: options)
    }

    /// The text of a message's content: a string, or the `text` of AI SDK content parts
    /// (`[{"type":"text","text":...}, {"type":"image",...}]`). nil when empty or malformed.
    static func contentText(_ content: JSONValue?) -> String? {
        if let s = content?.stringValue { return s.isEmpty ? nil : s }
        guard let parts = content?.arrayValue, !parts.isEmpty, parts.allSatisfy({ $0["type"]?.stringValue != nil }) else { return nil }
        return parts.compactMap { $0["type"]?.stringValue == "text" ? $0["text"]?.stringValue : nil }.joined(separator: "\n")
    }

    static func isPrintableID(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.count <= 256 && s.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7F }
    }

    static func format(_ d: Double) -> String {
        d.rounded() == d ? String(Int(d)) : String(d)
    }

    /// Whether the client asked for SSE (`Accept` lists `text/event-stream`); otherwise plain text.
    static func wantsSSE(accept: String?) -> Bool {
        guard let accept else { return false }
        return accept.lowercased().split(separator: ",").contains { part in
            part.split(separator: ";").first.map { String($0).trimmingHTTPWhitespace() } == "text/event-stream"
        }
    }

    /// `{"data":[names],"message":...}` for `GET /api/streaming/agents`.
    static func agentsBody(_ names: [String]) -> JSONValue {
        ["data": .array(names.map { .string($0) }), "message": .string(agentsMessage)]
    }

    /// The first language tag of `Accept-Language` (`de-CH,de;q=0.9` → `de-CH`), else `en`.
    static func language(acceptLanguage: String?) -> String {
        guard let first = acceptLanguage?.split(separator: ",").first?.split(separator: ";").first else { return "en" }
        let tag = String(first).trimmingHTTPWhitespace()
        guard !tag.isEmpty, tag != "*", tag.utf8.count <= 35,
            tag.unicodeScalars.allSatisfy({ $0.isASCIIAlnum || $0 == "-" })
        else { return "en" }
        return tag
    }
}
