import Primitives

@testable import LambdaRuntime

/// A scripted Runtime API: hands out invocations, records what each one answered, and after the script is
/// exhausted (and every handed-out invocation has answered) tells the loop the API is gone.
final class FakeRuntimeAPIClient: RuntimeAPIClient {
    enum Step: Sendable {
        case invocation(Invocation)
        /// `/next` fails with this error once.
        case failure(RuntimeAPIError)
    }

    /// What one invocation answered.
    struct Answer: Sendable {
        var chunks: [[UInt8]] = []
        var trailers: [(String, String)]?
        var buffered: [UInt8]?
        var error: ErrorReport?
        var finished = false

        /// The body after the prelude chunk and the 8-NUL chunk.
        var body: [UInt8] { chunks.count > 2 ? Array(chunks.dropFirst(2).joined()) : [] }
    }

    struct State {
        var script: [Step]
        /// Invocations handed out and not yet answered.
        var outstanding: Set<String> = []
        var answers: [String: Answer] = [:]
        /// Every body chunk in arrival order, tagged with its request id (shows interleaving).
        var timeline: [(String, [UInt8])] = []
        var drained: [CheckedContinuation<Void, Never>] = []
        var initError: ErrorReport?
        var nextCalls = 0
    }

    let state: Locked<State>

    init(_ script: [Step]) { state = Locked(State(script: script)) }

    var answers: [String: Answer] { state.withLock { $0.answers } }
    var timeline: [(String, [UInt8])] { state.withLock { $0.timeline } }
    var nextCalls: Int { state.withLock { $0.nextCalls } }

    func nextInvocation() async throws(RuntimeAPIError) -> Invocation {
        let step: Step? = state.withLock { s in
            s.nextCalls += 1
            guard !s.script.isEmpty else { return nil }
            let step = s.script.removeFirst()
            if case .invocation(let i) = step { s.outstanding.insert(i.context.requestID) }
            return step
        }
        switch step {
        case .invocation(let invocation): return invocation
        case .failure(let error): throw error
        case nil:
            // Out of script: wait for the invocations still running, then the API is "gone".
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let done = state.withLock { s -> Bool in
                    if s.outstanding.isEmpty { return true }
                    s.drained.append(c)
                    return false
                }
                if done { c.resume() }
            }
            throw RuntimeAPIError(.unreachable, "script finished")
        }
    }

    func openStreamedResponse(requestID: String) -> any ResponseBodyChannel {
        FakeChannel(client: self, requestID: requestID)
    }

    func sendResponse(requestID: String, payload: [UInt8], contentType: String) async throws(RuntimeAPIError) {
        finish(requestID) { $0.buffered = payload }
    }

    func reportInvocationError(requestID: String, _ report: ErrorReport) async throws(RuntimeAPIError) {
        finish(requestID) { $0.error = report }
    }

    func reportInitError(_ report: ErrorReport) async throws(RuntimeAPIError) {
        state.withLock { $0.initError = report }
    }

    func record(_ requestID: String, chunk: [UInt8]) {
        state.withLock { s in
            s.answers[requestID, default: Answer()].chunks.append(chunk)
            s.timeline.append((requestID, chunk))
        }
    }

    func finish(_ requestID: String, _ update: (inout Answer) -> Void) {
        let wake = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            update(&s.answers[requestID, default: Answer()])
            s.answers[requestID]?.finished = true
            s.outstanding.remove(requestID)
            guard s.outstanding.isEmpty else { return [] }
            defer { s.drained = [] }
            return s.drained
        }
        for c in wake { c.resume() }
    }
}

struct FakeChannel: ResponseBodyChannel {
    let client: FakeRuntimeAPIClient
    let requestID: String

    func enqueue(_ bytes: [UInt8]) throws(RuntimeAPIError) -> Bool {
        client.record(requestID, chunk: bytes)
        return false
    }

    func waitForCapacity() async throws(RuntimeAPIError) {}

    func finish(trailers: [(String, String)]) async throws(RuntimeAPIError) {
        client.finish(requestID) { $0.trailers = trailers }
    }
}

/// A rendezvous for `count` parties: `arrive` returns once all have arrived (proves they run at once).
final class Barrier: Sendable {
    private let state: Locked<(arrived: Int, waiting: [CheckedContinuation<Void, Never>])>
    private let count: Int

    init(count: Int) {
        self.count = count
        state = Locked((0, []))
    }

    func arrive() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let wake = state.withLock { s -> [CheckedContinuation<Void, Never>] in
                s.arrived += 1
                s.waiting.append(c)
                guard s.arrived == count else { return [] }
                defer { s.waiting = [] }
                return s.waiting
            }
            for w in wake { w.resume() }
        }
    }
}
