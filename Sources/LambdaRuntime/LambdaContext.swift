import Primitives

/// What the Runtime API tells us about one invocation (the `/next` response headers).
public struct LambdaContext: Sendable {
    /// `Lambda-Runtime-Aws-Request-Id`.
    public let requestID: String
    /// `Lambda-Runtime-Deadline-Ms`: the invocation's deadline in Unix epoch milliseconds.
    public let deadlineMs: Int64
    /// `Lambda-Runtime-Invoked-Function-Arn`, when given.
    public let invokedFunctionARN: String?
    /// `Lambda-Runtime-Trace-Id`, when given. With concurrent invocations this, not `_X_AMZN_TRACE_ID`, is
    /// the invocation's trace: the process environment can hold only one.
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

    /// Reads a context from `/next` response headers (`header` looks one up by name).
    ///
    /// Without a request id nothing can be answered; without a usable deadline the invocation is reported
    /// as invalid. Both throw `.invalidInvocation`.
    public init(header: (String) -> String?) throws(RuntimeAPIError) {
        guard let id = header(RuntimeAPIHeader.requestID), !id.isEmpty else {
            throw RuntimeAPIError(.invalidInvocation(requestID: nil), "invocation without a \(RuntimeAPIHeader.requestID) header")
        }
        guard let text = header(RuntimeAPIHeader.deadline), let deadline = Int64(text), deadline > 0 else {
            throw RuntimeAPIError(
                .invalidInvocation(requestID: id), "missing or invalid \(RuntimeAPIHeader.deadline) header")
        }
        func optional(_ name: String) -> String? {
            guard let v = header(name), !v.isEmpty else { return nil }
            return v
        }
        self.init(
            requestID: id, deadlineMs: deadline, invokedFunctionARN: optional(RuntimeAPIHeader.invokedFunctionARN),
            traceID: optional(RuntimeAPIHeader.traceID), clientContext: optional(RuntimeAPIHeader.clientContext),
            cognitoIdentity: optional(RuntimeAPIHeader.cognitoIdentity), tenantID: optional(RuntimeAPIHeader.tenantID))
    }

    /// Milliseconds left until the deadline (negative once it has passed).
    public var remainingTimeMs: Int64 { deadlineMs - WallClock.epochMs() }
}
