import Foundation
import Synchronization

/// What the demo agent remembers: each session's earlier prompts, the sessions whose "microVM" is alive, the
/// streams in flight per session (so StopRuntimeSession can end them), and every StopRuntimeSession call.
///
/// Conversation memory survives a stop on purpose: it models an agent whose memory lives outside the
/// microVM (as AgentCore Memory does), so Stop ends the running answer, not the conversation.
final class DemoAgentState: Sendable {
    /// One StopRuntimeSession call as `GET /__stops` reports it.
    struct StopRecord: Sendable {
        let session: String
        let arn: String
        let qualifier: String?
        let clientToken: String?
        let status: Int
        let streamsEnded: Int
        let time: Double
    }

    enum StopOutcome: Equatable {
        /// 200: the session was alive; this many of its streams were ended.
        case stopped(streamsEnded: Int)
        /// 200 again: the same clientToken already stopped this session (the call is idempotent).
        case repeated
        /// 404 ResourceNotFoundException: never invoked, or already stopped and not invoked since.
        case notFound
        /// 409 ConflictException: the clientToken was used to stop another session.
        case tokenConflict
    }

    private struct Stored {
        var turns: [String: [String]] = [:]
        var alive: Set<String> = []
        var streams: [String: [Int: @Sendable (Int) -> Void]] = [:]
        var nextStreamID = 0
        var tokens: [String: String] = [:]
        var stops: [StopRecord] = []
    }

    private let stored = Mutex(Stored())

    /// Records `prompt` for `session` and registers its stream (`end(streamID)` cuts it); returns the earlier
    /// prompts and the stream's id for `streamEnded`.
    func invocationStarted(prompt: String, session: String, end: @escaping @Sendable (Int) -> Void) -> (earlier: [String], streamID: Int) {
        stored.withLock { s in
            let earlier = s.turns[session] ?? []
            s.turns[session] = Array((earlier + [prompt]).suffix(20))
            s.alive.insert(session)
            s.nextStreamID += 1
            s.streams[session, default: [:]][s.nextStreamID] = end
            return (earlier, s.nextStreamID)
        }
    }

    /// The stream finished, was cut, or lost its client.
    func streamEnded(session: String, streamID: Int) {
        stored.withLock { s in
            s.streams[session]?[streamID] = nil
            if s.streams[session]?.isEmpty == true { s.streams[session] = nil }
        }
    }

    /// Applies StopRuntimeSession: ends the session's streams now (outside the lock) and records the call.
    func stop(session: String, arn: String, qualifier: String?, clientToken: String?) -> StopOutcome {
        let (outcome, enders): (StopOutcome, [(Int, @Sendable (Int) -> Void)]) = stored.withLock { s in
            let result: (StopOutcome, [(Int, @Sendable (Int) -> Void)])
            if let token = clientToken, let owner = s.tokens[token] {
                result = owner == session ? (.repeated, []) : (.tokenConflict, [])
            } else if s.alive.contains(session) {
                let enders = (s.streams.removeValue(forKey: session) ?? [:]).map { ($0.key, $0.value) }
                s.alive.remove(session)
                if let token = clientToken { s.tokens[token] = session }
                result = (.stopped(streamsEnded: enders.count), enders)
            } else {
                result = (.notFound, [])
            }
            let status = switch result.0 {
            case .stopped, .repeated: 200
            case .notFound: 404
            case .tokenConflict: 409
            }
            var ended = 0
            if case .stopped(let n) = result.0 { ended = n }
            s.stops.append(StopRecord(session: session, arn: arn, qualifier: qualifier, clientToken: clientToken,
                                      status: status, streamsEnded: ended, time: Date().timeIntervalSince1970))
            return result
        }
        for (streamID, end) in enders { end(streamID) }
        return outcome
    }

    /// Every StopRuntimeSession call so far, oldest first, as JSON-ready dictionaries.
    func stopRecords() -> [[String: Any]] {
        stored.withLock { s in
            s.stops.map { r in
                var entry: [String: Any] = [
                    "session": r.session, "arn": r.arn, "status": r.status, "streamsEnded": r.streamsEnded, "time": r.time,
                ]
                entry["qualifier"] = r.qualifier ?? NSNull()
                entry["clientToken"] = r.clientToken ?? NSNull()
                return entry
            }
        }
    }
}
