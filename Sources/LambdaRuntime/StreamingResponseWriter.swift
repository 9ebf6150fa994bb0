import Primitives

/// The runtime's writer for one invocation, and the one place that knows how far its response got.
///
/// It decides, when the handler is done, how the response ends: nothing sent yet → the error goes to
/// `/error` (or a head with an empty body goes out); a stream under way → the chunked body ends, with
/// Lambda's error trailers when the handler failed. Nobody else asks whether a byte has gone out.
final class StreamingResponseWriter: LambdaResponseWriter {
    private enum Phase {
        case idle
        case headPending(HTTPResponsePrelude)
        case streaming(any ResponseBodyChannel)
        case buffered
        case finished
    }

    private let client: any RuntimeAPIClient
    private let requestID: String
    private let phase = Locked<Phase>(.idle)

    init(client: any RuntimeAPIClient, requestID: String) {
        self.client = client
        self.requestID = requestID
    }

    func writeHead(status: Int, headers: [(String, String)], cookies: [String]) throws(ResponseWriterError) {
        try phase.withLock { (p: inout Phase) throws(ResponseWriterError) in
            guard case .idle = p else { throw ResponseWriterError("the response head was already written") }
            p = .headPending(HTTPResponsePrelude(statusCode: status, headers: headers, cookies: cookies))
        }
    }

    func write(_ bytes: [UInt8]) async throws(ResponseWriterError) {
        guard !bytes.isEmpty else { return }
        let (channel, wait) = try phase.withLock { (p: inout Phase) throws(ResponseWriterError) -> (any ResponseBodyChannel, Bool) in
            do throws(RuntimeAPIError) {
                switch p {
                case .streaming(let channel):
                    return (channel, try channel.enqueue(bytes))
                case .idle, .headPending:
                    let channel = try openStream(after: p)
                    p = .streaming(channel)
                    return (channel, try channel.enqueue(bytes))
                case .buffered, .finished:
                    throw RuntimeAPIError(.transport, "the response is already complete")
                }
            } catch {
                throw ResponseWriterError("Runtime API stream failed: \(error.message)")
            }
        }
        if wait {
            do { try await channel.waitForCapacity() } catch { throw ResponseWriterError("Runtime API stream failed: \(error.message)") }
        }
    }

    func respondBuffered(_ payload: [UInt8], contentType: String) async throws(ResponseWriterError) {
        try phase.withLock { (p: inout Phase) throws(ResponseWriterError) in
            guard case .idle = p else { throw ResponseWriterError("a response was already started") }
            p = .buffered
        }
        defer { phase.withLock { $0 = .finished } }
        do {
            try await client.sendResponse(requestID: requestID, payload: payload, contentType: contentType)
        } catch {
            throw ResponseWriterError("Runtime API rejected the response: \(error.message)", tooLarge: error.kind == .tooLarge)
        }
    }

    /// Ends the response after the handler returned: a pending head is sent as a complete response with an
    /// empty body; a stream is finished; a handler that wrote nothing at all gets an empty buffered answer.
    func close() async throws(ResponseWriterError) {
        if phase.withLock({ if case .idle = $0 { return true } else { return false } }) {
            try await respondBuffered([], contentType: "application/json")
            return
        }
        let channel: (any ResponseBodyChannel)? = try phase.withLock { (p: inout Phase) throws(ResponseWriterError) in
            do throws(RuntimeAPIError) {
                switch p {
                case .streaming(let channel):
                    p = .finished
                    return channel
                case .idle, .headPending:
                    let channel = try openStream(after: p)
                    p = .finished
                    return channel
                case .buffered, .finished:
                    return nil
                }
            } catch {
                throw ResponseWriterError("Runtime API stream failed: \(error.message)")
            }
        }
        guard let channel else { return }
        do {
            try await channel.finish(trailers: [])
        } catch {
            throw ResponseWriterError("Runtime API stream failed: \(error.message)")
        }
    }

    /// Ends the response after the handler threw: through `/error` when nothing was sent, else by ending the
    /// stream with the error trailers. Returns how the failure was reported, for the log.
    func close(failing error: any Error) async -> String {
        let report = (error as? ResponseWriterError)?.tooLarge == true
            ? ErrorReport(errorType: "Function.ResponseSizeTooLarge", errorMessage: (error as? ResponseWriterError)?.message ?? "")
            : ErrorReport(error)
        let channel: (any ResponseBodyChannel)? = phase.withLock { p in
            defer { p = .finished }
            if case .streaming(let channel) = p { return channel }
            return nil
        }
        do throws(RuntimeAPIError) {
            if let channel {
                try await channel.finish(trailers: [
                    (RuntimeAPIHeader.functionErrorType, report.errorType),
                    (RuntimeAPIHeader.functionErrorBody, Base64.encode(report.document)),
                ])
                return "\(report.errorType) (stream ended with error trailers): \(report.errorMessage)"
            }
            try await client.reportInvocationError(requestID: requestID, report)
            return "\(report.errorType) (reported to /error): \(report.errorMessage)"
        } catch {
            return "\(report.errorType): \(report.errorMessage); the Runtime API did not take the report: \(error.message)"
        }
    }

    /// Starts the streamed POST and queues the prelude chunk and the 8-NUL delimiter chunk.
    private func openStream(after phase: Phase) throws(RuntimeAPIError) -> any ResponseBodyChannel {
        var prelude = HTTPResponsePrelude(statusCode: 200, headers: [("content-type", "application/octet-stream")])
        if case .headPending(let pending) = phase { prelude = pending }
        let channel = client.openStreamedResponse(requestID: requestID)
        _ = try channel.enqueue(prelude.encoded())
        _ = try channel.enqueue([UInt8](repeating: 0, count: 8))
        return channel
    }
}
