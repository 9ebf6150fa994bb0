import CurlHTTP

/// The Runtime API over HTTP, on the process's one curl loop.
public struct CurlRuntimeAPIClient: RuntimeAPIClient {
    /// Largest event `/next` may hand out (Lambda's synchronous payload limit is 6 MB).
    static let maxEventBytes = 7 << 20

    let endpoint: RuntimeAPIEndpoint
    let client: CurlClient

    /// A client for `endpoint`.
    public init(endpoint: RuntimeAPIEndpoint, client: CurlClient = .shared) {
        self.endpoint = endpoint
        self.client = client
    }

    private func request(_ r: RuntimeAPIRequest, body: HTTPRequestBody = .none, contentType: String? = nil) -> CurlRequest {
        // /next must never time out (the sandbox may be frozen between invocations); reports are short.
        let timeout: Int? = r == .next ? nil : 10_000
        if case .streamedResponse = r {
            return CurlRequest(method: r.method, url: endpoint.url(for: r), headers: HeaderFields(r.headers()), body: .stream)
        }
        return CurlRequest(
            method: r.method, url: endpoint.url(for: r), headers: HeaderFields(r.headers(contentType: contentType)), body: body,
            connectTimeoutMs: 2000, timeoutMs: timeout)
    }

    private static func error(_ e: CurlError, _ what: String) -> RuntimeAPIError {
        RuntimeAPIError(e.kind == .connect ? .unreachable : .transport, "\(what): \(e.message)")
    }

    public func nextInvocation() async throws(RuntimeAPIError) -> Invocation {
        let head: CurlResponseHead
        let body: [UInt8]
        do {
            (head, body) = try await client.fetch(request(.next), limit: Self.maxEventBytes)
        } catch {
            throw Self.error(error, "GET /next")
        }
        guard head.status == 200 else {
            throw RuntimeAPIError(
                .rejected(status: head.status), "GET /next answered \(head.status): \(String(decoding: body.prefix(300), as: UTF8.self))")
        }
        return Invocation(event: body, context: try LambdaContext(header: { head.headers[$0] }))
    }

    public func openStreamedResponse(requestID: String) -> any ResponseBodyChannel {
        CurlResponseBodyChannel(transfer: client.start(request(.streamedResponse(requestID: requestID))))
    }

    public func sendResponse(requestID: String, payload: [UInt8], contentType: String) async throws(RuntimeAPIError) {
        try await post(request(.response(requestID: requestID), body: .bytes(payload), contentType: contentType), "POST /response")
    }

    public func reportInvocationError(requestID: String, _ report: ErrorReport) async throws(RuntimeAPIError) {
        try await post(request(.invocationError(requestID: requestID, errorType: report.errorType), body: .bytes(report.document)), "POST /error")
    }

    public func reportInitError(_ report: ErrorReport) async throws(RuntimeAPIError) {
        try await post(request(.initError(errorType: report.errorType), body: .bytes(report.document)), "POST /init/error")
    }

    private func post(_ r: CurlRequest, _ what: String) async throws(RuntimeAPIError) {
        let head: CurlResponseHead
        do {
            (head, _) = try await client.fetch(r, limit: 1 << 20)
        } catch {
            throw Self.error(error, what)
        }
        if head.status == 413 { throw RuntimeAPIError(.tooLarge, "\(what): the Runtime API refused the payload as too large (413)") }
        guard (200..<300).contains(head.status) else {
            throw RuntimeAPIError(.rejected(status: head.status), "\(what) answered \(head.status)")
        }
    }
}

/// A streamed `/response` body on a curl transfer.
struct CurlResponseBodyChannel: ResponseBodyChannel {
    let transfer: CurlTransfer

    func enqueue(_ bytes: [UInt8]) throws(RuntimeAPIError) -> Bool {
        do { return try transfer.enqueue(bytes) } catch { throw RuntimeAPIError(.transport, error.message) }
    }

    func waitForCapacity() async throws(RuntimeAPIError) {
        do { try await transfer.waitForCapacity() } catch { throw RuntimeAPIError(.transport, error.message) }
    }

    func finish(trailers: [(String, String)]) async throws(RuntimeAPIError) {
        let status: Int
        do { status = try await transfer.finish(trailers: trailers) } catch { throw RuntimeAPIError(.transport, error.message) }
        if status == 413 { throw RuntimeAPIError(.tooLarge, "the Runtime API refused the streamed response as too large (413)") }
        guard (200..<300).contains(status) else {
            throw RuntimeAPIError(.rejected(status: status), "the Runtime API answered \(status) to the streamed response")
        }
    }
}
