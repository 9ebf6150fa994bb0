// TinyJSON: the parser (JSONValue.parse, used for bodies, events and JWKS) and the non-allocating scanner (the
// relay's fast path) share one grammar and must accept exactly the same documents; whatever is accepted must
// serialize to single-line JSON that reads back as the same value. `JSONDifferential` holds the checks, so the
// unit tests and this target run the same ones.
import FuzzSupport
import TinyJSON

enum FuzzJSON: FuzzTarget {
    static let name = "json"

    static func run(_ input: [UInt8]) {
        input.withUnsafeBufferPointer { buffer in
            if let problem = JSONDifferential.disagreement(in: buffer) {
                require(false, "\(problem) on \(show(input))")
            }
        }
    }
}
