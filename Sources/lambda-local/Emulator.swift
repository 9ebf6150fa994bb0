import Foundation
import NIOCore
import NIOHTTP1

/// Command-line settings.
struct Options: Sendable {
    var port = 9000
    var timeout: Double = 900
    var corsFile: String?
    var demoAgent = false
    var command: [String] = []
}

/// Limits the real service enforces, mirrored so local runs fail the way deployed ones do.
enum Limits {
    /// Function URL request payload and buffered response payload (6 MiB).
    static let payload = 6 * 1024 * 1024
    /// RIE's figure (6 MiB + 100) as quoted in its 413 message; runtimes match on this text.
    static let payloadMessageBytes = 6 * 1024 * 1024 + 100
    /// Streamed response cap.
    static let streamed = 200 * 1024 * 1024
}

/// One Function URL request on its way through the (single) sandbox.
final class Invocation {
    enum State { case queued, dispatched, responding, done }

    let id: String
    let traceID: String
    let event: ByteBuffer
    /// The client connection; nil once it went away (the invocation still runs to completion, as in Lambda).
    var client: FunctionURLHandler?
    var state = State.queued
    /// Set once a spawn was made on its behalf: an init failure then fails it instead of respawning forever.
    var attemptedSpawn = false
    let received = NIODeadline.now()
    var timeoutTask: Scheduled<Void>?
    /// Whether any byte (status line included) reached the client; decides 502 versus an abrupt close.
    private(set) var headSent = false
    private(set) var status = 0
    private(set) var bodyBytes = 0
    var note: String?
    /// Set by the relay streaming this invocation's response: pauses reading from the runtime while the
    /// client cannot take more, so a slow client costs socket buffers rather than our memory.
    var onClientWritabilityChanged: ((Bool) -> Void)?

    init(id: String, traceID: String, event: ByteBuffer, client: FunctionURLHandler) {
        self.id = id
        self.traceID = traceID
        self.event = event
        self.client = client
    }

    /// Starts a streamed (chunked) response to the client.
    func sendHead(status: HTTPResponseStatus, headers: HTTPHeaders) {
        guard !headSent else { return }
        headSent = true
        self.status = Int(status.code)
        client?.sendStreamingHead(status: status, headers: headers)
    }

    /// Relays one piece of body to the client immediately.
    func sendBody(_ buffer: ByteBuffer) {
        guard buffer.readableBytes > 0 else { return }
        bodyBytes += buffer.readableBytes
        client?.sendBodyPart(buffer)
    }

    /// Ends a streamed response.
    func sendEnd() {
        client?.sendEnd()
    }

    /// Sends a complete response with a Content-Length.
    func sendComplete(status: HTTPResponseStatus, headers: HTTPHeaders, body: ByteBuffer) {
        guard !headSent else { return }
        headSent = true
        self.status = Int(status.code)
        bodyBytes += body.readableBytes
        client?.sendComplete(status: status, headers: headers, body: body)
    }

    /// Cuts the client connection: the only way to tell a client mid-body that the response is incomplete.
    func abortClient() {
        client?.abort()
    }
}

/// The emulator's state: the invocation queue, the one child and its Runtime API session.
///
/// Everything runs on a single event loop (both servers share it), so the state needs no locks;
/// `@unchecked Sendable` only lets loop-hopping closures capture it, and every entry point checks the loop.
final class Emulator: @unchecked Sendable {
    let loop: any EventLoop
    let options: Options
    let cors: CORSConfig?
    private(set) var urlPort = 0
    private var runtimePort = 0
    private var extraEnvironment: [String: String] = [:]
    private var builder = EventBuilder(port: 0)

    private var queue: [Invocation] = []
    private var current: Invocation?
    /// The runtime's parked `GET /next`.
    private var waiter: RuntimeAPIHandler?
    private var recentlyFinished: [String: Invocation.State] = [:]
    private var finishedOrder: [String] = []

    private struct Child {
        let process: ChildProcess
        let generation: Int
        let started: NIODeadline
        /// Called `/next` at least once: init succeeded.
        var healthy = false
        var initFailed = false
        /// We are killing it; its late `/next` must not receive work.
        var condemned = false
    }
    private var child: Child?
    private var generation = 0
    static let initTimeout = TimeAmount.seconds(10)
    private var shuttingDown = false

    init(loop: any EventLoop, options: Options, cors: CORSConfig?) {
        self.loop = loop
        self.options = options
        self.cors = cors
    }

    /// Records the bound ports and starts the first child, so cold init overlaps with the user's first curl.
    func start(urlPort: Int, runtimePort: Int, extraEnvironment: [String: String]) {
        loop.preconditionInEventLoop()
        self.urlPort = urlPort
        self.runtimePort = runtimePort
        self.extraEnvironment = extraEnvironment
        self.builder = EventBuilder(port: urlPort)
        spawnChild()
    }

    // MARK: Function URL side

    /// Queues a client request as an invocation.
    func enqueue(head: HTTPRequestHead, body: ByteBuffer?, sourceIP: String, client: FunctionURLHandler) -> Invocation {
        loop.preconditionInEventLoop()
        let id = newRequestID()
        let trace = newTraceID()
        let event = builder.event(head: head, body: body, sourceIP: sourceIP, requestID: id, traceID: trace)
        let invocation = Invocation(id: id, traceID: trace, event: event, client: client)
        if let child, !child.initFailed, !child.condemned { invocation.attemptedSpawn = true }
        queue.append(invocation)
        if child == nil && !shuttingDown { spawnChild() }
        pump()
        return invocation
    }

    /// The client went away. Queued work is dropped (nothing ran yet); running work keeps going and
    /// its output is drained, because Lambda keeps running (and billing) after a disconnect.
    func clientGone(_ invocation: Invocation) {
        loop.preconditionInEventLoop()
        invocation.client = nil
        // Nobody to wait for any more: drain the runtime at full speed.
        invocation.onClientWritabilityChanged?(true)
        if invocation.state == .queued {
            queue.removeAll { $0 === invocation }
            invocation.state = .done
            invocation.note = "client disconnected while queued"
            finish(invocation)
        }
    }

    // MARK: Runtime API side

    /// A `GET /next` arrived. It parks until an invocation is queued.
    func nextRequested(by handler: RuntimeAPIHandler) {
        loop.preconditionInEventLoop()
        guard var child, !child.condemned else { return }
        if !child.healthy {
            child.healthy = true
            self.child = child
            log("runtime ready (init \(milliseconds(since: child.started)) ms)")
        }
        if let current, current.state == .dispatched {
            // Asking for more work without answering the last is how a runtime says it gave up on it.
            // (A response still in flight on another connection finishes on its own and then pumps.)
            fail(current, errorType: "Runtime.NoResponse", message: "runtime requested the next event without responding")
        }
        waiter = handler
        pump()
    }

    func runtimeConnectionClosed(_ handler: RuntimeAPIHandler) {
        if waiter === handler { waiter = nil }
    }

    enum ResponseAdmission {
        case accepted(Invocation)
        case rejected(HTTPResponseStatus, ByteBuffer)
    }

    /// Validates `POST /invocation/{id}/response` or `/error`: the id must be the running invocation and
    /// no answer may have started. Status codes follow RIE (400 unknown id, 403 wrong state).
    func admitResponse(id: String) -> ResponseAdmission {
        loop.preconditionInEventLoop()
        if let current, current.id == id {
            guard current.state == .dispatched else {
                return .rejected(.forbidden, errorBody("Invalid state transition: response already started", type: "InvalidStateTransition"))
            }
            current.state = .responding
            return .accepted(current)
        }
        if recentlyFinished[id] != nil {
            return .rejected(.forbidden, errorBody("Invocation \(id) already completed", type: "InvalidStateTransition"))
        }
        return .rejected(.badRequest, errorBody("Invalid request ID", type: "InvalidRequestID"))
    }

    /// The response for `invocation` finished (successfully or not, from the runtime's side).
    func responseFinished(_ invocation: Invocation, note: String? = nil) {
        loop.preconditionInEventLoop()
        guard invocation.state != .done else { return }
        invocation.state = .done
        if let note { invocation.note = note }
        finish(invocation)
    }

    /// `POST /invocation/{id}/error` before any response byte: the client gets a 502 with the error JSON,
    /// as a Function URL does for an unhandled function error.
    func invocationError(_ invocation: Invocation, errorType: String?, body: ByteBuffer) {
        loop.preconditionInEventLoop()
        var clientBody = body
        let parsed = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any]
        let type = errorType ?? (parsed?["errorType"] as? String) ?? "Unhandled"
        if parsed == nil {
            let text = String(decoding: body.readableBytesView, as: UTF8.self)
            clientBody = errorBody(text.isEmpty ? "Unhandled error" : text, type: type)
        }
        log("\(invocation.id) function error \(type): \(String(decoding: body.readableBytesView.prefix(2000), as: UTF8.self))")
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "application/json")
        headers.add(name: "x-amz-function-error", value: "Unhandled")
        invocation.sendComplete(status: .badGateway, headers: headers, body: clientBody)
        invocation.note = "function error \(type)"
        responseFinished(invocation)
    }

    /// `POST /init/error`: the child failed to initialise and will exit; requests waiting on it get a 502.
    func initError(errorType: String?, body: ByteBuffer) {
        loop.preconditionInEventLoop()
        log("init error \(errorType ?? "-"): \(String(decoding: body.readableBytesView.prefix(2000), as: UTF8.self))")
        guard var child else { return }
        child.initFailed = true
        self.child = child
        failAttempted(errorType: errorType ?? "Runtime.InitError", message: "function initialization failed")
        // The runtime must exit after reporting; make sure a hung one does not block the next respawn.
        let generation = child.generation
        loop.scheduleTask(in: .seconds(2)) { [self] in
            if let child = self.child, child.generation == generation {
                log("child did not exit after init error; killing it")
                self.condemnChild()
            }
        }
    }

    /// The runtime's response connection broke mid-body: the child crashed or is in a bad state.
    func runtimeVanished(during invocation: Invocation) {
        loop.preconditionInEventLoop()
        guard invocation.state != .done else { return }
        fail(invocation, errorType: "Runtime.TruncatedResponse", message: "runtime connection closed mid-response")
        condemnChild()
    }

    // MARK: Faults and lifecycle

    /// Fails `invocation`: a 502 when the client has seen nothing yet, an abrupt close otherwise
    /// (a chunked body that stops without its terminator is how a client learns it is incomplete).
    func fail(_ invocation: Invocation, errorType: String, message: String) {
        loop.preconditionInEventLoop()
        guard invocation.state != .done else { return }
        if invocation.headSent {
            invocation.abortClient()
        } else {
            var headers = HTTPHeaders()
            headers.add(name: "content-type", value: "application/json")
            headers.add(name: "x-amzn-errortype", value: errorType)
            invocation.sendComplete(status: .badGateway, headers: headers,
                                    body: jsonBuffer(["message": "Internal Server Error", "errorType": errorType]))
        }
        invocation.state = .done
        invocation.note = "\(errorType): \(message)"
        finish(invocation)
    }

    private func timedOut(_ id: String) {
        guard let current, current.id == id, current.state != .done else { return }
        let seconds = options.timeout == options.timeout.rounded() ? String(Int(options.timeout)) : String(options.timeout)
        log("\(id) Task timed out after \(seconds) seconds")
        fail(current, errorType: "Sandbox.Timeout", message: "Task timed out after \(seconds) seconds")
        condemnChild()
    }

    /// SIGKILLs the child's group; its exit then triggers the respawn.
    private func condemnChild() {
        guard var child, !child.condemned else { return }
        child.condemned = true
        self.child = child
        if waiter != nil { waiter = nil }
        child.process.kill(SIGKILL)
    }

    private func spawnChild() {
        precondition(child == nil)
        generation += 1
        let generation = self.generation
        var env = ProcessInfo.processInfo.environment
        let name = env["AWS_LAMBDA_FUNCTION_NAME"] ?? "lambda-local"
        let region = env["AWS_REGION"] ?? env["AWS_DEFAULT_REGION"] ?? "us-east-1"
        env["AWS_LAMBDA_RUNTIME_API"] = "127.0.0.1:\(runtimePort)"
        env["AWS_LAMBDA_FUNCTION_NAME"] = name
        env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] ?? "1024"
        env["AWS_LAMBDA_FUNCTION_VERSION"] = "$LATEST"
        env["AWS_LAMBDA_FUNCTION_TIMEOUT"] = String(Int(options.timeout.rounded(.up)))
        env["AWS_LAMBDA_INITIALIZATION_TYPE"] = "on-demand"
        env["AWS_REGION"] = env["AWS_REGION"] ?? region
        env["AWS_DEFAULT_REGION"] = env["AWS_DEFAULT_REGION"] ?? region
        env["AWS_LAMBDA_LOG_GROUP_NAME"] = "/aws/lambda/\(name)"
        env["AWS_LAMBDA_LOG_STREAM_NAME"] = "\(Self.logStreamDate())/[$LATEST]\(randomHex(bytes: 16))"
        env["_HANDLER"] = env["_HANDLER"] ?? URL(fileURLWithPath: options.command[0]).lastPathComponent
        env["LAMBDA_TASK_ROOT"] = FileManager.default.currentDirectoryPath
        env["TZ"] = "UTC"
        for (key, value) in extraEnvironment { env[key] = value }

        do {
            let process = try ChildProcess.spawn(command: options.command, environment: env) { [self] status in
                self.loop.execute { self.childExited(generation: generation, status: status) }
            }
            child = Child(process: process, generation: generation, started: .now())
            for invocation in queue { invocation.attemptedSpawn = true }
            log("started child pid \(process.pid): \(options.command.joined(separator: " "))")
            // Lambda gives init 10 s; without a limit a runtime stuck before /next would hang every client.
            loop.scheduleTask(in: Self.initTimeout) { [self] in
                if let child = self.child, child.generation == generation, !child.healthy, !child.condemned {
                    log("child pid \(child.process.pid) did not call /next within \(Self.initTimeout.nanoseconds / 1_000_000_000) s; killing it")
                    self.condemnChild()
                }
            }
        } catch {
            log("\(error)")
            for invocation in queue { invocation.attemptedSpawn = true }
            failAttempted(errorType: "Runtime.ExitError", message: "\(error)")
        }
    }

    private func childExited(generation: Int, status: Int32) {
        guard let exited = child, exited.generation == generation else { return }
        child = nil
        waiter = nil
        log("child pid \(exited.process.pid) \(ChildProcess.describe(status: status))")
        if let current {
            fail(current, errorType: "Runtime.ExitError", message: "runtime \(ChildProcess.describe(status: status))")
        }
        if shuttingDown { return }
        if exited.healthy && !exited.initFailed {
            // A sandbox that served requests is replaced at once, like Lambda's next cold start.
            spawnChild()
        } else {
            failAttempted(errorType: "Runtime.ExitError", message: "runtime failed to initialize")
            // Requests that arrived after the failure deserve a fresh attempt; older ones already got 502.
            if !queue.isEmpty { spawnChild() }
        }
    }

    private func failAttempted(errorType: String, message: String) {
        let doomed = queue.filter(\.attemptedSpawn)
        queue.removeAll { $0.attemptedSpawn }
        for invocation in doomed { fail(invocation, errorType: errorType, message: message) }
    }

    /// Hands the next queued invocation to a parked `/next`; invocations are strictly serial.
    private func pump() {
        guard current == nil, let handler = waiter, !queue.isEmpty else { return }
        let invocation = queue.removeFirst()
        waiter = nil
        current = invocation
        invocation.state = .dispatched
        let deadline = epochMilliseconds() + Int64(options.timeout * 1000)
        let id = invocation.id
        invocation.timeoutTask = loop.scheduleTask(in: .nanoseconds(Int64(options.timeout * 1_000_000_000))) { [self] in
            self.timedOut(id)
        }
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "application/json")
        headers.add(name: "lambda-runtime-aws-request-id", value: invocation.id)
        headers.add(name: "lambda-runtime-deadline-ms", value: String(deadline))
        headers.add(name: "lambda-runtime-invoked-function-arn", value: functionARN)
        headers.add(name: "lambda-runtime-trace-id", value: invocation.traceID)
        handler.sendNext(headers: headers, body: invocation.event)
    }

    private var functionARN: String {
        let env = ProcessInfo.processInfo.environment
        let region = env["AWS_REGION"] ?? env["AWS_DEFAULT_REGION"] ?? "us-east-1"
        let name = env["AWS_LAMBDA_FUNCTION_NAME"] ?? "lambda-local"
        return "arn:aws:lambda:\(region):123456789012:function:\(name)"
    }

    /// Bookkeeping shared by every way an invocation ends: one REPORT-style log line, then the next one.
    private func finish(_ invocation: Invocation) {
        invocation.timeoutTask?.cancel()
        invocation.timeoutTask = nil
        if current === invocation { current = nil }
        recentlyFinished[invocation.id] = .done
        finishedOrder.append(invocation.id)
        if finishedOrder.count > 1000 {
            recentlyFinished[finishedOrder.removeFirst()] = nil
        }
        var line = "\(invocation.id) status=\(invocation.status) duration=\(milliseconds(since: invocation.received))ms bytes=\(invocation.bodyBytes)"
        if invocation.client == nil { line += " client=gone" }
        if let note = invocation.note { line += " (\(note))" }
        log(line)
        pump()
    }

    /// Kills the child and exits; called for SIGINT/SIGTERM.
    func shutdown(exitCode: Int32) -> Never {
        shuttingDown = true
        child?.process.kill(SIGKILL)
        exit(exitCode)
    }

    private static func logStreamDate() -> String {
        var seconds = time_t(epochMilliseconds() / 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let month = parts.tm_mon + 1
        return "\(parts.tm_year + 1900)/\(month < 10 ? "0" : "")\(month)/\(parts.tm_mday < 10 ? "0" : "")\(parts.tm_mday)"
    }
}

func milliseconds(since start: NIODeadline) -> Int64 {
    (NIODeadline.now() - start).nanoseconds / 1_000_000
}
