import LambdaRuntime
import Primitives
import TinyJSON

/// Pumps one agent call to the client: opens the upstream, opens the frame stream, then relays events with
/// heartbeats, an idle cut-off and the Lambda deadline, ending with exactly one `complete` or `error` frame.
///
/// All waiting is one mechanism: each wait on the upstream carries the nearest of three deadlines (the
/// invocation's, the idle cut-off, the next heartbeat), and the curl loop wakes the reader when it passes.
struct Relay {
    let settings: RelaySettings
    let logger: JSONLogger

    /// Runs `call`. Failures before the stream opens throw `HTTPFailure` (a plain HTTP answer); after, the
    /// stream ends with an `error` frame and `StreamFailure` is thrown so the runtime adds error trailers.
    func run(
        _ call: AgentCall, upstream: any AgentUpstream, format: StreamFormat, context: LambdaContext, sink: ResponseSink
    ) async throws {
        let clock = Deadlines(context: context, settings: settings)
        let stream: any UpstreamStream
        do {
            stream = try await upstream.open(call, deadline: clock.openDeadline, limits: UpstreamLimits(maxEventBytes: settings.maxEventBytes))
        } catch {
            sink.log.outcome = error.code
            throw HTTPFailure.upstream(error)
        }
        var frames: FrameStream
        do {
            frames = try await openFrames(format: format, call: call, context: context, sink: sink)
        } catch {
            await abandon(stream, call: call, upstream: upstream, clock: clock, reason: "the Runtime API stream failed")
            throw error
        }

        var lastActivity = MonotonicClock.now
        var lastWrite = lastActivity
        var streaming = false
        do {
            while true {
                // Checked on every event, not only when the agent is silent: an agent that never pauses must not
                // carry the stream past the invocation's end, where Lambda would cut it without a closing frame.
                if MonotonicClock.now >= clock.hard {
                    throw try await cut(
                        frames, "Deadline",
                        "the function is about to reach its time limit; the stream was ended \(settings.deadlineMarginMs) ms before it",
                        retryable: false, stream: stream, call: call, upstream: upstream, clock: clock)
                }
                let event: UpstreamEvent
                do {
                    event = try await stream.next(until: clock.wake(lastActivity: lastActivity, lastWrite: lastWrite))
                } catch {
                    // The connection to the agent broke: its side is gone, there is nothing of ours to stop.
                    throw try await frames.fail(code: error.code, message: error.message, retryable: error.retryable)
                }
                switch event {
                case .timeout:
                    let now = MonotonicClock.now
                    if now >= clock.hard { continue }  // the check at the top of the loop ends the stream
                    if lastActivity.milliseconds(to: now) >= clock.idleTimeoutMs {
                        throw try await cut(
                            frames, "UpstreamIdleTimeout", "the agent sent nothing for \(settings.idleTimeoutMs) ms", retryable: true,
                            stream: stream, call: call, upstream: upstream, clock: clock)
                    }
                    if lastWrite.milliseconds(to: now) >= clock.heartbeatMs {
                        try await frames.heartbeat(statusFrames: settings.statusFrames)
                        lastWrite = now
                    }
                case .json, .text:
                    if !streaming, event != .text("") {
                        streaming = true
                        try await frames.status(.streaming, statusFrames: settings.statusFrames)
                    }
                    do {
                        if case .json(let bytes) = event { try await frames.chunk(rawJSON: bytes) }
                        if case .text(let text) = event { try await frames.chunk(text: text) }
                    } catch StreamLimitError.responseTooLarge(let limit) {
                        throw try await cut(
                            frames, "ResponseTooLarge", "the answer exceeded the \(limit)-byte response limit", retryable: false,
                            stream: stream, call: call, upstream: upstream, clock: clock)
                    }
                    lastActivity = MonotonicClock.now
                    lastWrite = lastActivity
                case .failure(let code, let message, let retryable):
                    if code == "UpstreamEventTooLarge" {
                        // Our limit, not the agent's failure: the agent is still working, so stop it too.
                        throw try await cut(
                            frames, code, message, retryable: retryable, stream: stream, call: call, upstream: upstream, clock: clock)
                    }
                    stream.cancel()
                    throw try await frames.fail(code: code, message: message, retryable: retryable)
                case .end:
                    try await frames.complete()
                    return
                }
            }
        } catch let error as ResponseWriterError {
            // The Runtime API connection is gone: nobody can read the rest, so stop the agent now.
            await abandon(stream, call: call, upstream: upstream, clock: clock, reason: error.message)
            throw error
        }
    }

    /// Opens the client's stream (head, `metadata`) and says the agent accepted the call.
    private func openFrames(format: StreamFormat, call: AgentCall, context: LambdaContext, sink: ResponseSink) async throws -> FrameStream {
        var frames: FrameStream
        switch format {
        case .sse: frames = try await sink.openSSE(requestID: context.requestID, sessionID: call.session.clientID, agent: call.agentName)
        case .text: frames = try sink.openText()
        }
        try await frames.status(.connecting, statusFrames: settings.statusFrames)
        return frames
    }

    /// AgentStream ends the stream itself: the `error` frame first (the client learns at once), then the agent's
    /// session is stopped so it stops computing and billing. Returns the failure to throw.
    private func cut(
        _ frames: consuming FrameStream, _ code: String, _ message: String, retryable: Bool, stream: any UpstreamStream,
        call: AgentCall, upstream: any AgentUpstream, clock: Deadlines
    ) async throws -> StreamFailure {
        stream.cancel()
        let failure = try await frames.fail(code: code, message: message, retryable: retryable)
        await stopSession(call: call, upstream: upstream, clock: clock, reason: code)
        return failure
    }

    /// The client can no longer be reached: drop the upstream and stop the agent.
    private func abandon(_ stream: any UpstreamStream, call: AgentCall, upstream: any AgentUpstream, clock: Deadlines, reason: String) async {
        stream.cancel()
        await stopSession(call: call, upstream: upstream, clock: clock, reason: "RuntimeAPIWriteFailed")
    }

    /// StopRuntimeSession after a cut-off (`STOP_SESSION_ON_CUTOFF`), bounded by the time the invocation has left.
    private func stopSession(call: AgentCall, upstream: any AgentUpstream, clock: Deadlines, reason: String) async {
        guard settings.stopSessionOnCutoff, upstream.stopsSessions else { return }
        var fields: [String: JSONValue] = ["agent": .string(call.agentName), "session_id": .string(call.session.clientID), "reason": .string(reason)]
        do {
            try await upstream.stopSession(call.session, deadline: clock.stopDeadline)
            fields["stopped"] = true
        } catch {
            fields["stopped"] = false
            fields["error"] = .string(error.description)
        }
        logger.log(.info, "session stopped after cut-off", fields)
    }
}

/// The relay's deadlines on one clock.
struct Deadlines {
    /// Lambda's own deadline for the invocation.
    let end: MonotonicClock.Instant
    /// When the stream must end to leave the invocation its margin before Lambda's deadline.
    let hard: MonotonicClock.Instant
    let idleTimeoutMs: Int64
    let heartbeatMs: Int64

    init(context: LambdaContext, settings: RelaySettings) {
        let now = MonotonicClock.now
        end = now.advanced(byMilliseconds: context.remainingTimeMs)
        hard = end.advanced(byMilliseconds: -Int64(settings.deadlineMarginMs))
        idleTimeoutMs = Int64(settings.idleTimeoutMs)
        heartbeatMs = Int64(settings.heartbeatMs)
    }

    /// The agent must accept the call within the idle timeout, and before the hard deadline.
    var openDeadline: MonotonicClock.Instant { min(hard, MonotonicClock.now.advanced(byMilliseconds: idleTimeoutMs)) }

    /// A StopRuntimeSession after a cut-off gets at most 1.5 s, and ends 200 ms before the invocation does (so
    /// with a small DEADLINE_MARGIN_MS it may get no time at all, rather than outlive the invocation).
    var stopDeadline: MonotonicClock.Instant {
        min(end.advanced(byMilliseconds: -200), MonotonicClock.now.advanced(byMilliseconds: 1_500))
    }

    /// The nearest moment the relay must act without an event: the deadline, the idle cut-off or a heartbeat.
    func wake(lastActivity: MonotonicClock.Instant, lastWrite: MonotonicClock.Instant) -> MonotonicClock.Instant {
        min(hard, lastActivity.advanced(byMilliseconds: idleTimeoutMs), lastWrite.advanced(byMilliseconds: heartbeatMs))
    }
}
