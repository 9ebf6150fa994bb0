import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

// An AgentCore-compatible demo agent served in-process by `lambda-local --demo-agent`, so `make run`
// streams a real-looking answer with no AWS account. It speaks InvokeAgentRuntime's wire format:
// POST /runtimes/{ARN}/invocations, a SigV4 Authorization header required (not verified: the
// interop tests check signatures with botocore), the session header, and an SSE answer of
// `data: <json>\n\n` events with no end marker, exactly like the bedrock-agentcore SDK.

/// Remembers each session's earlier prompts so a second turn can refer to the first.
final class DemoSessions: @unchecked Sendable {
    private let lock = NSLock()
    private var turns: [String: [String]] = [:]

    /// Records `prompt` for `session` and returns the prompts that came before it.
    func record(_ prompt: String, session: String) -> [String] {
        lock.lock()
        defer { lock.unlock() }
        let earlier = turns[session] ?? []
        turns[session] = Array((earlier + [prompt]).suffix(20))
        return earlier
    }
}

/// The demo agent's HTTP server on 127.0.0.1.
final class DemoAgentServer: Sendable {
    /// ARN that the child is configured with; any ARN is accepted on the wire.
    static let arn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/demo_agent-local"

    let channel: any Channel
    /// Base URL for `AGENTCORE_ENDPOINT`.
    let url: String

    /// Starts the server; `pauseMs` scales the pauses between events (0 for tests).
    init(group: any EventLoopGroup, pauseMs: Int = 350) throws {
        let sessions = DemoSessions()
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(DemoAgentHandler(sessions: sessions, pauseMs: pauseMs))
                }
            }
        channel = try bootstrap.bind(host: "127.0.0.1", port: 0).wait()
        url = "http://127.0.0.1:\(channel.localAddress?.port ?? 0)"
    }

    /// Environment that points a child bootstrap at this agent.
    var childEnvironment: [String: String] {
        [
            "AGENTCORE_ENDPOINT": url,
            "AGENTCORE_RUNTIME_ARN": Self.arn,
            "AWS_REGION": "us-east-1",
            // Demo credentials: the demo agent only checks that a SigV4 header is present.
            "AWS_ACCESS_KEY_ID": "AKIDDEMOLOCAL",
            "AWS_SECRET_ACCESS_KEY": "demo-secret-key-not-used-by-aws",
        ]
    }
}

/// Builds the demo answer: a multi-step flight-disruption assessment derived from the prompt.
enum DemoScript {
    static func events(prompt: String, earlier: [String], sessionID: String) -> [String] {
        let flight = firstMatch(in: prompt, pattern: #"\b([A-Z]{2}|[A-Z]\d|\d[A-Z])\s?\d{1,4}\b"#) ?? "your flight"
        let hours = firstMatch(in: prompt, pattern: #"\d+(\.\d+)?(?=\s*(h|hr|hrs|hour|hours)\b)"#).flatMap(Double.init)
        let lower = prompt.lowercased()
        let cause: String
        if lower.contains("weather") || lower.contains("storm") || lower.contains("fog") || lower.contains("snow") {
            cause = "weather"
        } else if lower.contains("technical") || lower.contains("maintenance") || lower.contains("mechanical") {
            cause = "a technical issue"
        } else if lower.contains("crew") || lower.contains("staff") {
            cause = "crew availability"
        } else {
            cause = "an unspecified cause"
        }
        var out: [String] = []
        if let previous = earlier.last {
            out.append("Continuing this session (turn \(earlier.count + 1)). Earlier you said: \"\(previous.prefix(120))\". ")
        }
        out.append("Assessing the disruption for \(flight). ")
        if let hours {
            out.append("Reported delay: \(formatHours(hours)), attributed to \(cause).\n")
        } else {
            out.append("No delay length given; treating it as an open-ended disruption caused by \(cause).\n")
        }
        out.append("Step 1/4, passenger impact: checking connections that depart within the delay window… ")
        let severity = (hours ?? 3) >= 3 ? "high" : "moderate"
        out.append("impact is \(severity).\n")
        out.append("Step 2/4, rebooking: ")
        out.append((hours ?? 3) >= 2 ? "proactively rebook tight connections on the next two departures.\n" : "hold current itineraries; connections remain feasible.\n")
        out.append("Step 3/4, care and compensation: ")
        if cause == "weather" {
            out.append("weather counts as an extraordinary circumstance, so no cash compensation is due, but meals and refreshments apply after 2 hours.\n")
        } else {
            out.append("compensation may apply for delays over 3 hours at arrival; meals and refreshments apply after 2 hours.\n")
        }
        out.append("Step 4/4, communication: notify affected passengers by SMS and app push now, then every 30 minutes.\n")
        out.append("Summary: \(flight), \(hours.map(formatHours) ?? "open-ended") delay, \(severity) impact. Ask a follow-up in the same session and I will remember this.")
        return out
    }

    static func formatHours(_ h: Double) -> String {
        h == h.rounded() ? "\(Int(h)) hour\(h == 1 ? "" : "s")" : "\(h) hours"
    }

    static func firstMatch(in text: String, pattern: String) -> String? {
        guard let re = try? NSRegularExpression(pattern: pattern) else { return nil }
        let range = NSRange(text.startIndex..., in: text)
        guard let m = re.firstMatch(in: text, range: range), let r = Range(m.range, in: text) else { return nil }
        return String(text[r])
    }
}

final class DemoAgentHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let sessions: DemoSessions
    private let pauseMs: Int
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()

    init(sessions: DemoSessions, pauseMs: Int) {
        self.sessions = sessions
        self.pauseMs = pauseMs
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h
            body.clear()
        case .body(var b):
            body.writeBuffer(&b)
        case .end:
            guard let head else { return }
            self.head = nil
            respond(context: context, head: head)
        }
    }

    private func respond(context: ChannelHandlerContext, head: HTTPRequestHead) {
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        if head.method == .GET && path == "/ping" {
            let json = #"{"status":"Healthy","time_of_last_update":\#(Int(Date().timeIntervalSince1970))}"#
            send(context: context, status: .ok, body: Data(json.utf8), extra: HTTPHeaders())
            return
        }
        guard head.method == .POST, path.hasPrefix("/runtimes/"), path.hasSuffix("/invocations") else {
            sendError(context: context, status: .notFound, type: "ResourceNotFoundException", message: "no such route: \(head.method) \(path)")
            return
        }
        guard let auth = head.headers.first(name: "authorization"), auth.hasPrefix("AWS4-HMAC-SHA256 Credential=") else {
            sendError(context: context, status: .forbidden, type: "AccessDeniedException", message: "Missing or invalid SigV4 Authorization header")
            return
        }
        let session = head.headers.first(name: "x-amzn-bedrock-agentcore-runtime-session-id") ?? ""
        guard (33...256).contains(session.count) else {
            sendError(context: context, status: .badRequest, type: "ValidationException", message: "runtimeSessionId must be 33-256 characters")
            return
        }
        guard let json = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any],
            let prompt = json["prompt"] as? String
        else {
            sendError(context: context, status: .badRequest, type: "ValidationException", message: "payload must be a JSON object with a string prompt")
            return
        }
        let earlier = sessions.record(prompt, session: session)
        let events = DemoScript.events(prompt: prompt, earlier: earlier, sessionID: session)

        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "text/event-stream; charset=utf-8")
        headers.add(name: "transfer-encoding", value: "chunked")
        headers.add(name: "x-amzn-bedrock-agentcore-runtime-session-id", value: session)
        context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
        stream(context: context, events: events[...], index: 0)
    }

    private func stream(context: ChannelHandlerContext, events: ArraySlice<String>, index: Int) {
        guard let text = events.first else {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            return
        }
        // Thinking takes longer than typing: the first event and each new step pause longer.
        let pause = pauseMs == 0 ? 0 : (index == 0 || text.hasPrefix("Step") ? pauseMs * 2 : pauseMs / 2)
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let rest = events.dropFirst()
        context.eventLoop.scheduleTask(in: .milliseconds(Int64(pause))) {
            let (handler, context) = loopBound.value
            guard context.channel.isActive else { return }
            let encoded = (try? JSONSerialization.data(withJSONObject: text, options: [.fragmentsAllowed, .withoutEscapingSlashes])) ?? Data("\"\"".utf8)
            var buffer = context.channel.allocator.buffer(capacity: encoded.count + 8)
            buffer.writeString("data: ")
            buffer.writeBytes(encoded)
            buffer.writeString("\n\n")
            context.writeAndFlush(handler.wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
            handler.stream(context: context, events: rest, index: index + 1)
        }
    }

    private func sendError(context: ChannelHandlerContext, status: HTTPResponseStatus, type: String, message: String) {
        let body = (try? JSONSerialization.data(withJSONObject: ["message": message])) ?? Data()
        var headers = HTTPHeaders()
        headers.add(name: "x-amzn-ErrorType", value: type)
        send(context: context, status: status, body: body, extra: headers)
    }

    private func send(context: ChannelHandlerContext, status: HTTPResponseStatus, body: Data, extra: HTTPHeaders) {
        var headers = extra
        headers.add(name: "content-type", value: "application/json")
        headers.add(name: "content-length", value: String(body.count))
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        var buffer = context.channel.allocator.buffer(capacity: body.count)
        buffer.writeBytes(body)
        context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
