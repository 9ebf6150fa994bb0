import Primitives
import Testing

@testable import LambdaRuntime

/// A handler whose behaviour is chosen by the event text: "stream:N", "fail-after-one", "head-only",
/// "buffered", "throw-before". Streams meet at a barrier between frames, so they can only finish if they
/// really run at the same time.
struct ScriptedHandler: LambdaHandler {
    final class Seen: Sendable {
        let contexts = Locked<[String: (deadline: Int64, trace: String?)]>([:])
    }

    let barrier: Barrier?
    let seen = Seen()

    init(barrier: Barrier?) { self.barrier = barrier }

    func handle(event: [UInt8], context: LambdaContext, writer: any LambdaResponseWriter) async throws {
        seen.contexts.withLock { $0[context.requestID] = (context.deadlineMs, context.traceID) }
        let command = String(decoding: event, as: UTF8.self)
        switch command {
        case "head-only":
            try writer.writeHead(status: 204, headers: [])
        case "buffered":
            try await writer.respondBuffered(Array("whole".utf8), contentType: "text/plain")
        case "throw-before":
            throw TestFailure(errorType: "Refused", errorMessage: "refused before any byte")
        case "fail-after-one":
            try writer.writeHead(status: 200, headers: [("content-type", "text/event-stream")])
            try await writer.write("frame 0 of \(context.requestID)\n")
            await barrier?.arrive()
            throw TestFailure(errorType: "Boom", errorMessage: "failed mid-stream")
        default:
            let frames = Int(command.split(separator: ":").last ?? "") ?? 1
            try writer.writeHead(status: 200, headers: [("content-type", "text/event-stream")])
            for i in 0..<frames {
                try await writer.write("frame \(i) of \(context.requestID)\n")
                if i == 0 { await barrier?.arrive() }
            }
        }
    }
}

struct TestFailure: LambdaFunctionError {
    let errorType: String
    let errorMessage: String
}

func invocation(_ id: String, _ command: String, deadline: Int64 = 9_000_000_000_000, trace: String? = nil) -> FakeRuntimeAPIClient.Step {
    .invocation(Invocation(event: Array(command.utf8), context: LambdaContext(requestID: id, deadlineMs: deadline, traceID: trace)))
}

@Suite(.timeLimit(.minutes(1))) struct RuntimeLoopTests {
    @Test func concurrentInvocationsInterleaveAndOneFailureTouchesNoOther() async {
        let n = 4
        let client = FakeRuntimeAPIClient([
            invocation("a", "stream:3", deadline: 9_000_000_000_001, trace: "Root=1-a"),
            invocation("b", "fail-after-one", deadline: 9_000_000_000_002, trace: "Root=1-b"),
            invocation("c", "stream:3", deadline: 9_000_000_000_003, trace: "Root=1-c"),
            invocation("d", "stream:3", deadline: 9_000_000_000_004),
        ])
        let handler = ScriptedHandler(barrier: Barrier(count: n))
        let end = await RuntimeLoop.run(handler: handler, client: client, concurrency: n)
        #expect(end.message.contains("unreachable"))
        let answers = client.answers
        for id in ["a", "c", "d"] {
            #expect(answers[id]?.finished == true)
            #expect(answers[id]?.trailers?.isEmpty == true, "\(id) ended cleanly")
            #expect(String(decoding: answers[id]?.body ?? [], as: UTF8.self)
                == "frame 0 of \(id)\nframe 1 of \(id)\nframe 2 of \(id)\n")
            #expect(answers[id]?.error == nil)
        }
        let failed = answers["b"]
        #expect(failed?.trailers?.first { $0.0 == "Lambda-Runtime-Function-Error-Type" }?.1 == "Function.Boom")
        #expect(failed?.error == nil, "a started stream never goes to /error")
        // Every stream wrote its first frame before any wrote its second: they ran at once.
        let bodies = client.timeline.filter { $0.1.first == UInt8(ascii: "f") }
        let firstSecond = bodies.firstIndex { String(decoding: $0.1, as: UTF8.self).hasPrefix("frame 1") } ?? 0
        #expect(Set(bodies.prefix(firstSecond).map(\.0)) == ["a", "b", "c", "d"])
        // Each invocation saw its own deadline and trace id, from its context.
        let seen = handler.seen.contexts.withLock { $0 }
        #expect(seen["a"]?.deadline == 9_000_000_000_001 && seen["b"]?.deadline == 9_000_000_000_002)
        #expect(seen["a"]?.trace == "Root=1-a" && seen["c"]?.trace == "Root=1-c" && seen["d"]?.trace == nil)
    }

    @Test func headOnlyResponseIsAPreludeAndNothingElse() async throws {
        let client = FakeRuntimeAPIClient([invocation("h", "head-only")])
        _ = await RuntimeLoop.run(handler: ScriptedHandler(barrier: nil), client: client, concurrency: 1)
        let answer = try #require(client.answers["h"])
        #expect(answer.error == nil && answer.finished && answer.trailers?.isEmpty == true)
        #expect(answer.chunks.count == 2)
        #expect(String(decoding: answer.chunks[0], as: UTF8.self) == #"{"statusCode":204,"headers":{},"cookies":[]}"#)
        #expect(answer.chunks[1] == [UInt8](repeating: 0, count: 8))
    }

    @Test func failureBeforeAnyByteGoesToErrorAndBufferedStaysBuffered() async throws {
        let client = FakeRuntimeAPIClient([invocation("x", "throw-before"), invocation("y", "buffered")])
        _ = await RuntimeLoop.run(handler: ScriptedHandler(barrier: nil), client: client, concurrency: 1)
        let x = try #require(client.answers["x"])
        #expect(x.error == ErrorReport(errorType: "Function.Refused", errorMessage: "refused before any byte"))
        #expect(x.chunks.isEmpty)
        #expect(client.answers["y"]?.buffered == Array("whole".utf8))
    }

    @Test func refusedNextWhileOthersStreamIsRetriedAndInvalidInvocationsAreReported() async throws {
        let client = FakeRuntimeAPIClient([
            invocation("p", "stream:2"),
            .failure(RuntimeAPIError(.rejected(status: 500), "GET /next answered 500")),
            .failure(RuntimeAPIError(.invalidInvocation(requestID: "bad"), "missing or invalid Lambda-Runtime-Deadline-Ms header")),
            invocation("q", "stream:2"),
        ])
        _ = await RuntimeLoop.run(handler: ScriptedHandler(barrier: Barrier(count: 2)), client: client, concurrency: 2)
        #expect(client.answers["p"]?.trailers?.isEmpty == true)
        #expect(client.answers["q"]?.trailers?.isEmpty == true)
        #expect(client.answers["bad"]?.error?.errorType == "Runtime.InvalidInvocation")
    }

    @Test func aRuntimeAPIThatKeepsRefusingEndsTheLoop() async {
        let refusal = FakeRuntimeAPIClient.Step.failure(RuntimeAPIError(.rejected(status: 403), "GET /next answered 403"))
        let client = FakeRuntimeAPIClient([refusal, refusal, refusal])
        let end = await RuntimeLoop.run(handler: ScriptedHandler(barrier: nil), client: client, concurrency: 1)
        #expect(end.message.contains("403"))
        #expect(client.nextCalls == 3)
    }

    @Test func writesAfterTheStreamEndedAreRefused() async throws {
        let client = FakeRuntimeAPIClient([])
        let writer = StreamingResponseWriter(client: client, requestID: "w")
        try writer.writeHead(status: 200, headers: [])
        await #expect(throws: ResponseWriterError.self) { try await writer.respondBuffered([1], contentType: "x") }
        try await writer.write([1, 2])
        try await writer.close()
        await #expect(throws: ResponseWriterError.self) { try await writer.write([3]) }
        #expect(throws: ResponseWriterError.self) { try writer.writeHead(status: 200, headers: []) }
    }
}
