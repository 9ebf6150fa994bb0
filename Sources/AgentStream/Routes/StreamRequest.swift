import Primitives
import TinyJSON

/// `POST /api/streaming/stream`: `{agentName, messages[{role,content}], threadId?, runId?, resourceId?,
/// maxRetries?, maxSteps?, temperature?, topP?}` (the Mastra streaming API's shape).
package enum StreamRequest {
    static let roles = ["user", "assistant", "system", "tool"]
    static let maxMessages = 500

    /// Numeric options and their accepted ranges. maxRetries may be 0 (no retry); maxSteps needs at least one step.
    static let numericOptions: [(name: String, range: ClosedRange<Double>, integer: Bool)] = [
        ("temperature", 0...2, false), ("topP", 0...1, false), ("maxSteps", 1...100, true), ("maxRetries", 0...10, true),
    ]

    /// Validates `body`, naming every bad field in one 400; an unknown agent is a 404 once the rest is valid.
    package static func parse(_ body: [String: JSONValue], upstream: (String) -> (any AgentUpstream)?) throws(HTTPFailure) -> AgentRequest {
        var problems = ValidationProblems()
        var agentName = ""
        if let v = body.present("agentName") {
            if let s = v.stringValue, !s.isEmpty, s.utf8.count <= 64 {
                agentName = s
            } else {
                problems.reject("agentName", "must be a non-empty string of at most 64 characters")
            }
        } else {
            problems.reject("agentName", "is required")
        }
        let target = agentName.isEmpty ? nil : upstream(agentName)

        var messages: [JSONValue] = []
        var prompt: String?
        if let v = body.present("messages") {
            if let list = v.arrayValue {
                if list.isEmpty { problems.reject("messages", "must not be empty") }
                if list.count > maxMessages { problems.reject("messages", "must have at most \(maxMessages) entries") }
                var messageProblems = false
                for (i, m) in list.prefix(maxMessages).enumerated() {
                    let path = "messages[\(i)]"
                    guard m.objectValue != nil else {
                        problems.reject(path, "must be an object {role, content}")
                        messageProblems = true
                        continue
                    }
                    let role = m["role"]?.stringValue
                    if role == nil || !roles.contains(role ?? "") {
                        problems.reject(path + ".role", "must be one of \(roles.joined(separator: ", "))")
                        messageProblems = true
                    }
                    guard let text = contentText(m["content"]) else {
                        problems.reject(path + ".content", "must be a non-empty string or a non-empty array of content parts")
                        messageProblems = true
                        continue
                    }
                    if role == "user" { prompt = text }
                }
                if !messageProblems, !list.isEmpty, list.count <= maxMessages, prompt == nil {
                    problems.reject("messages", "must contain at least one message with role 'user'")
                }
                messages = list
            } else {
                problems.reject("messages", "must be an array of {role, content} objects")
            }
        } else {
            problems.reject("messages", "is required")
        }

        func identifier(_ key: String) -> String? {
            guard let v = body.present(key) else { return nil }
            guard let s = v.stringValue, isPrintableID(s) else {
                problems.reject(key, "must be a string of 1-256 printable characters")
                return nil
            }
            return s
        }
        var threadID: String?
        if let v = body.present("threadId") {
            if let s = v.stringValue {
                // The thread is the backend's conversation: its own id rules apply (AgentCore's are strict).
                if let problem = target?.sessionProblem(s) ?? (isPrintableID(s) ? nil : "must be a string of 1-256 printable characters") {
                    problems.reject("threadId", problem)
                } else {
                    threadID = s
                }
            } else {
                problems.reject("threadId", "must be a string of 1-256 printable characters")
            }
        }
        let runID = identifier("runId")
        let resourceID = identifier("resourceId")

        var options: [String: JSONValue] = [:]
        for (name, range, integer) in numericOptions {
            guard let v = body.present(name) else { continue }
            let kind = integer ? "an integer" : "a number"
            guard let d = v.doubleValue, d.isFinite, range.contains(d), !integer || v.intValue != nil else {
                problems.reject(name, "must be \(kind) from \(format(range.lowerBound)) to \(format(range.upperBound))")
                continue
            }
            options[name] = v
        }

        try problems.check()
        guard target != nil, let prompt else {
            throw HTTPFailure.notFound("unknown agent '\(agentName)'; GET /api/streaming/agents lists the configured agents")
        }
        // Backends that take the body as it is get the same fields the Mastra API names.
        var passthrough = options
        if let threadID { passthrough["threadId"] = .string(threadID) }
        if let runID { passthrough["runId"] = .string(runID) }
        return AgentRequest(
            agentName: agentName, prompt: prompt, messages: messages, sessionID: threadID, runID: runID, resourceID: resourceID,
            options: options, passthrough: passthrough)
    }

    /// The text of a message's content: a string, or the `text` of AI SDK content parts
    /// (`[{"type":"text","text":...}, {"type":"image",...}]`). nil when empty or malformed.
    static func contentText(_ content: JSONValue?) -> String? {
        if let s = content?.stringValue { return s.isEmpty ? nil : s }
        guard let parts = content?.arrayValue, !parts.isEmpty, parts.allSatisfy({ $0["type"]?.stringValue != nil }) else { return nil }
        return parts.compactMap { $0["type"]?.stringValue == "text" ? $0["text"]?.stringValue : nil }.joined(separator: "\n")
    }

    static func format(_ d: Double) -> String {
        // Only the range bounds above reach here: small, exact numbers.
        d.rounded() == d && abs(d) < 1e15 ? String(Int(d)) : String(d)
    }

    /// Whether the client asked for SSE (`Accept` lists `text/event-stream`); otherwise plain text.
    package static func wantsSSE(accept: String?) -> Bool {
        guard let accept else { return false }
        return accept.lowercased().split(separator: ",").contains { part in
            part.split(separator: ";").first.map { $0.trimmingHTTPWhitespace() } == "text/event-stream"
        }
    }

    /// The first language tag of `Accept-Language` (`de-CH,de;q=0.9` → `de-CH`), else `en`.
    package static func language(acceptLanguage: String?) -> String {
        guard let first = acceptLanguage?.split(separator: ",").first?.split(separator: ";").first else { return "en" }
        let tag = first.trimmingHTTPWhitespace()
        guard !tag.isEmpty, tag != "*", tag.utf8.count <= 35,
            tag.unicodeScalars.allSatisfy({ $0.isASCIIAlnum || $0 == "-" })
        else { return "en" }
        return tag
    }
}
