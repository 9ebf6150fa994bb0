#if canImport(Glibc)
import Primitives
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What the Runtime API tells us about one invocation (the `/next` response headers).
public struct LambdaContext: Sendable {
    /// `Lambda-Runtime-Aws-Request-Id`.
    public let requestID: String
    /// `Lambda-Runtime-Deadline-Ms`: the invocation's deadline in Unix epoch milliseconds.
    public let deadlineMs: Int64
    /// `Lambda-Runtime-Invoked-Function-Arn`, when given.
    public let invokedFunctionARN: String?
    /// `Lambda-Runtime-Trace-Id`, when given (also exported as `_X_AMZN_TRACE_ID`).
    public let traceID: String?
    /// `Lambda-Runtime-Client-Context`, when given.
    public let clientContext: String?
    /// `Lambda-Runtime-Cognito-Identity`, when given.
    public let cognitoIdentity: String?
    /// `Lambda-Runtime-Aws-Tenant-Id`, when given.
    public let tenantID: String?

    /// A context with the given fields.
    public init(
        requestID: String, deadlineMs: Int64, invokedFunctionARN: String? = nil, traceID: String? = nil,
        clientContext: String? = nil, cognitoIdentity: String? = nil, tenantID: String? = nil
    ) {
        self.requestID = requestID
        self.deadlineMs = deadlineMs
        self.invokedFunctionARN = invokedFunctionARN
        self.traceID = traceID
        self.clientContext = clientContext
        self.cognitoIdentity = cognitoIdentity
        self.tenantID = tenantID
    }

    /// Milliseconds left until the deadline (negative once it has passed).
    public var remainingTimeMs: Int64 { deadlineMs - WallClock.epochMs() }
}

