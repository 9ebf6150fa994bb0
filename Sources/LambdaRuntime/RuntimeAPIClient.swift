import TinyJSON

/// The Runtime API as the invocation loop sees it. `CurlRuntimeAPIClient` talks to the real one; tests drive
/// the loop with fakes that script invocations and record responses.
public protocol RuntimeAPIClient: Sendable {
    /// Waits (without a timeout) for the next invocation.
    func nextInvocation() async throws(RuntimeAPIError) -> Invocation
    /// Starts a streamed response for `requestID`; the caller writes the prelude, the NULs and the body.
    func openStreamedResponse(requestID: String) -> any ResponseBodyChannel
    /// Sends a whole (buffered) response.
    func sendResponse(requestID: String, payload: [UInt8], contentType: String) async throws(RuntimeAPIError)
    /// Reports that an invocation failed before any response byte was sent.
    func reportInvocationError(requestID: String, _ report: ErrorReport) async throws(RuntimeAPIError)
    /// Reports that initialisation failed; the process exits after it.
    func reportInitError(_ report: ErrorReport) async throws(RuntimeAPIError)
}

/// The body of one streamed response, in flight.
public protocol ResponseBodyChannel: Sendable {
    /// Queues `bytes` to go out as soon as possible; true when the caller should `waitForCapacity` first.
    func enqueue(_ bytes: [UInt8]) throws(RuntimeAPIError) -> Bool
    /// Waits until the queued bytes drop below the high-water mark.
    func waitForCapacity() async throws(RuntimeAPIError)
    /// Ends the body, with `trailers` after the last chunk, and waits for the Runtime API's answer.
    func finish(trailers: [(String, String)]) async throws(RuntimeAPIError)
}

/// One invocation handed out by `/next`.
public struct Invocation: Sendable {
    /// The event, as sent.
    public var event: [UInt8]
    /// What the Runtime API said about it.
    public var context: LambdaContext

    /// An invocation of `event` with `context`.
    public init(event: [UInt8], context: LambdaContext) {
        self.event = event
        self.context = context
    }
}

/// The `{"errorMessage","errorType","stackTrace":[]}` document of an error report.
public struct ErrorReport: Sendable, Equatable {
    /// `Function.<Name>` or `Runtime.<Name>`.
    public var errorType: String
    /// Human-readable message.
    public var errorMessage: String

    /// A report of `errorType` with `errorMessage`.
    public init(errorType: String, errorMessage: String) {
        self.errorType = errorType
        self.errorMessage = errorMessage
    }

    /// The report for a thrown error (see `lambdaErrorInfo`).
    public init(_ error: any Error) {
        let info = lambdaErrorInfo(error)
        self.init(errorType: info.type, errorMessage: info.message)
    }

    /// The JSON document Lambda expects.
    public var document: [UInt8] {
        var out: [UInt8] = []
        out.append(contentsOf: #"{"errorMessage":"#.utf8)
        JSONWriter.appendString(errorMessage, to: &out)
        out.append(contentsOf: #","errorType":"#.utf8)
        JSONWriter.appendString(errorType, to: &out)
        out.append(contentsOf: #","stackTrace":[]}"#.utf8)
        return out
    }
}

/// A Runtime API call failed.
public struct RuntimeAPIError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure, for the loop to decide between retrying, skipping and exiting.
    public enum Kind: Sendable, Equatable {
        /// `AWS_LAMBDA_RUNTIME_API` cannot be used.
        case invalidEndpoint
        /// Nothing listens at the Runtime API: the environment is gone.
        case unreachable
        /// The Runtime API answered with an unexpected status.
        case rejected(status: Int)
        /// A payload over the Runtime API's size limit (413).
        case tooLarge
        /// `/next` handed out an invocation that cannot be served (no id, or no valid deadline).
        case invalidInvocation(requestID: String?)
        /// The connection broke mid-call.
        case transport
    }

    /// The kind.
    public let kind: Kind
    /// Human-readable detail.
    public let message: String

    /// An error of `kind`.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
