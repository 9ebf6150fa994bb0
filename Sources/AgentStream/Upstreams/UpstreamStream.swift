import CurlHTTP
import Primitives

/// One item from an agent's stream.
public enum UpstreamEvent: Sendable, Equatable {
    /// One event's value as compact single-line JSON (a string for text, an object otherwise).
    case json([UInt8])
    /// Text only, without framing.
    case text(String)
    /// The agent (or the reader, for an oversized event) reported a failure in-band.
    case failure(code: String, message: String, retryable: Bool)
    /// Nothing arrived before the deadline.
    case timeout
    /// The stream ended normally.
    case end
}

/// A running agent response, read by one relay.
public protocol UpstreamStream: AnyObject {
    /// The next event, waiting at most until `deadline`.
    func next(until deadline: MonotonicClock.Instant) async throws(UpstreamError) -> UpstreamEvent
    /// Stops reading and closes the connection.
    func cancel()
}

/// Incremental decoding of one upstream's body format into events.
protocol UpstreamDecoder {
    /// Events completed by `bytes`.
    mutating func feed(_ bytes: [UInt8]) -> [UpstreamEvent]
    /// Events still pending when the body ends.
    mutating func finish() -> [UpstreamEvent]
    /// True once the format's own end marker arrived (the connection may stay open after it).
    var isDone: Bool { get }
}

/// Reads an upstream body through a decoder, handing out the events decoded from each network read.
final class DecodingUpstreamStream<Decoder: UpstreamDecoder>: UpstreamStream {
    private let transfer: CurlTransfer
    private let upstreamName: String
    private var decoder: Decoder
    private var pending: [UpstreamEvent] = []
    private var pendingHead = 0
    private var ended = false

    init(transfer: CurlTransfer, upstreamName: String, decoder: Decoder) {
        self.transfer = transfer
        self.upstreamName = upstreamName
        self.decoder = decoder
    }

    func next(until deadline: MonotonicClock.Instant) async throws(UpstreamError) -> UpstreamEvent {
        while true {
            if pendingHead < pending.count {
                let e = pending[pendingHead]
                pendingHead += 1
                if pendingHead == pending.count {
                    pending.removeAll(keepingCapacity: true)
                    pendingHead = 0
                }
                if case .failure = e { finishEarly() }
                return e
            }
            if ended { return .end }
            if decoder.isDone {
                // The format's end marker arrived: do not wait for a server that keeps the connection open.
                finishEarly()
                return .end
            }
            let step: HTTPBodyEvent
            do {
                step = try await transfer.next(until: deadline)
            } catch {
                throw UpstreamError.transport(error, upstream: upstreamName)
            }
            switch step {
            case .timeout:
                return .timeout
            case .data(let bytes):
                pending += decoder.feed(bytes)
            case .end:
                ended = true
                pending += decoder.finish()
            }
        }
    }

    private func finishEarly() {
        ended = true
        transfer.cancel()
    }

    func cancel() { transfer.cancel() }
}

/// A body that is one JSON document (a non-streaming agent): collected within the event limit, then handed
/// out as one event when the body ends.
struct JSONDocumentDecoder: UpstreamDecoder {
    let limit: Int
    let upstreamName: String
    let classify: @Sendable ([UInt8]) -> UpstreamEvent
    private var body: [UInt8] = []
    private(set) var isDone = false

    init(limit: Int, upstreamName: String, classify: @escaping @Sendable ([UInt8]) -> UpstreamEvent) {
        self.limit = limit
        self.upstreamName = upstreamName
        self.classify = classify
    }

    mutating func feed(_ bytes: [UInt8]) -> [UpstreamEvent] {
        guard !isDone else { return [] }
        guard body.count + bytes.count <= limit else {
            isDone = true
            body = []
            let e = UpstreamError.eventTooLarge(limit: limit, upstream: upstreamName)
            return [.failure(code: e.code, message: e.message, retryable: false)]
        }
        body.append(contentsOf: bytes)
        return []
    }

    mutating func finish() -> [UpstreamEvent] {
        guard !isDone else { return [] }
        isDone = true
        defer { body = [] }
        return [classify(body)]
    }
}
