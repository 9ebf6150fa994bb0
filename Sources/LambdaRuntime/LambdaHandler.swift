/// A function that answers invocations by writing to a response writer.
public protocol LambdaHandler: Sendable {
    /// Handles one invocation. Throwing before the first byte reports the error through `/error`; throwing
    /// after it ends the stream with error trailers. Runs on the curl thread: await, never block.
    func handle(event: [UInt8], context: LambdaContext, writer: any LambdaResponseWriter) async throws
}

/// An error with a name and message of its own; reported as `Function.<errorType>`.
public protocol LambdaFunctionError: Error {
    /// Short name, letters only, starting upper-case (e.g. "UpstreamTimeout").
    var errorType: String { get }
    /// Human-readable message.
    var errorMessage: String { get }
}

/// The `Function.<Name>` error type and message Lambda accepts for `error`.
///
/// Lambda keeps an error type only if it matches `(Runtime|Function)\.[A-Z][a-zA-Z]+`, so the name is
/// reduced to letters and capitalised.
public func lambdaErrorInfo(_ error: any Error) -> (type: String, message: String) {
    let rawName: String
    let message: String
    if let e = error as? any LambdaFunctionError {
        rawName = e.errorType
        message = e.errorMessage
    } else if let e = error as? any CustomStringConvertible {
        rawName = String(describing: type(of: error))
        message = e.description
    } else {
        rawName = String(describing: type(of: error))
        message = String(describing: error)
    }
    var letters = String(rawName.unicodeScalars.filter { ($0.value >= 65 && $0.value <= 90) || ($0.value >= 97 && $0.value <= 122) })
    if letters.isEmpty { letters = "Unhandled" }
    let first = letters.prefix(1).uppercased()
    return ("Function." + first + letters.dropFirst(), message)
}
