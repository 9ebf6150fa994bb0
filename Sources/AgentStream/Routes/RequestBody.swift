import LambdaHTTP
import TinyJSON

/// Reading a JSON request body within the size limit.
package enum RequestBody {
    /// Largest accepted request body.
    static let maxBytes = 1 << 20

    /// The body as a JSON object; 413 over the limit, 400 (naming `body`) when empty or not an object.
    package static func jsonObject(_ request: FunctionURLRequest) throws(HTTPFailure) -> [String: JSONValue] {
        guard request.body.count <= maxBytes else { throw HTTPFailure.tooLarge(limit: maxBytes) }
        guard !request.body.isEmpty else { throw HTTPFailure.validation("request body is empty; send a JSON object", fields: ["body"]) }
        let value: JSONValue
        do {
            value = try JSONValue.parse(request.body)
        } catch {
            throw HTTPFailure.validation("request body is not valid JSON: \(error.description)", fields: ["body"])
        }
        guard let object = value.objectValue else {
            throw HTTPFailure.validation("request body must be a JSON object, got \(value.kindName)", fields: ["body"])
        }
        return object
    }
}

/// Collects every problem of a body so one 400 names all bad fields.
struct ValidationProblems {
    private(set) var fields: [String] = []
    private(set) var messages: [String] = []

    var isEmpty: Bool { fields.isEmpty }

    mutating func reject(_ field: String, _ problem: String) {
        fields.append(field)
        messages.append("\(field) \(problem)")
    }

    /// Throws the 400 when anything was rejected.
    func check() throws(HTTPFailure) {
        guard isEmpty else { throw HTTPFailure.validation(messages.joined(separator: "; "), fields: fields) }
    }
}

extension [String: JSONValue] {
    /// Member `key` unless absent or `null`.
    func present(_ key: String) -> JSONValue? {
        guard let v = self[key], !v.isNull else { return nil }
        return v
    }
}

/// 1-256 printable characters (no controls): the rule for the ids clients name (threads, runs, resources).
func isPrintableID(_ s: String) -> Bool {
    !s.isEmpty && s.utf8.count <= 256 && s.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7F }
}
