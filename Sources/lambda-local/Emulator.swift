import Foundation
import NIOCore
import NIOHTTP1

/// The emulated Lambda service: gives each Function URL request an execution environment, starts and reaps
/// environments, throttles beyond the limit, and applies the Runtime API's rules to what the runtimes send.
///
/// Classic mode (the default) is how Lambda scales: a request gets an idle environment, or a new one with its
/// own child process, Runtime API and init, up to `--max-environments`; beyond that a 429 as Lambda throttles.
/// Managed mode (`--max-concurrency N`) is a Managed Instance: one environment whose runtime may hold N
/// invocations at once (N concurrent `/next` and N responses in flight, routed by request id).
///
/// Everything runs on a single event loop (every server shares it), so the state needs no locks;
/// `@unchecked Sendable` only lets loop-hopping closures capture it, and every entry point checks the loop.
final class Emulator: @unchecked Sendable {
    let group: any EventLoopGroup
    let loop: any EventLoop
    let settings: Settings
    var cors: CORSConfig? { settings.cors }
    private(set) var urlPort = 0
    private var extraEnvironment: [String: String] = [:]
    private var builder = EventBuilder(port: 0)

    private var environments: [ExecutionEnvironment] = []
    private var environmentsStarted = 0
    private var recentlyFinished: Set<String> = []
    private var finishedOrder: [String] = []
    /// Lambda gives init 10 s; without a limit a runtime stuck before `/next` would hang its clients.
    static let initTimeout = TimeAmount.seconds(10)

    init(group: any EventLoopGroup, loop: any EventLoop, settings: Settings) {
        self.group = group
        self.loop = loop
        self.settings = settings
    }

    /// Records the Function URL port and starts the first environment, so its cold init overlaps with the
    /// user's first request.
    func start(urlPort: Int, extraEnvironment: [String: String]) {
        loop.preconditionInEventLoop()
        self.urlPort = urlPort
        self.extraEnvironment = extraEnvironment
        self.builder = EventBuilder(port: urlPort)
        _ = startEnvironment()
    }

    // MARK: Function URL side

    enum Admission {
        case accepted(Invocation)
        /// Every environment is busy and no new one may start: the client gets this 429.
        case throttled(HTTPHeaders, ByteBuffer)
    }

    /// Gives a client request to an environment, or throttles it.
    func admit(head: HTTPRequestHead, body: ByteBuffer?, sourceIP: String, client: FunctionURLHandler) -> Admission {
        loop.preconditionInEventLoop()
        guard let environment = environmentWithRoom() ?? startEnvironmentIfAllowed() else {
            log("throttled \(head.method) \(head.uri): \(describeBusy()) (429 TooManyRequestsException)")
            return .throttled(Self.throttleHeaders(), Self.throttleBody)
        }
        let id = newRequestID()
        let trace = newTraceID()
        let event = builder.event(head: head, body: body, sourceIP: sourceIP, requestID: id, traceID: trace)
        let invocation = Invocation(id: id, traceID: trace, event: event, client: client, environment: environment)
        assign(invocation, to: environment)
        return .accepted(invocation)
    }

    private func assign(_ invocation: Invocation, to environment: ExecutionEnvironment) {
        invocation.environment = environment
        environment.invocations.append(invocation)
        environment.reapTask?.cancel()
        environment.reapTask = nil
        environment.lastUsed = .now()
        if invocation.timeoutTask == nil {
            // Waiting for a /next counts too: a runtime whose workers are all stuck must not hold it forever.
            // (Dispatch replaces this with the invocation's own timeout.)
            let bound = NIOLoopBound(invocation, eventLoop: loop)
            invocation.timeoutTask = loop.scheduleTask(in: Self.initTimeout + timeoutAmount) { [self] in
                let invocation = bound.value
                guard invocation.state == .queued else { return }
                log("\(invocation.id) no runtime took it within the init and function timeouts (\(invocation.environment.label))")
                fail(invocation, errorType: "Sandbox.Timeout", message: "no runtime called /next for it in time")
            }
        }
        pump(environment)
    }

    private var timeoutAmount: TimeAmount {
        .nanoseconds(Int64(settings.timeout * 1_000_000_000))
    }

    /// An invocation the runtime never received, from an environment that served requests and then died:
    /// Lambda would run it elsewhere, so it goes to another environment (or is throttled like a new request).
    private func reassign(_ invocation: Invocation) {
        guard let environment = environmentWithRoom() ?? startEnvironmentIfAllowed() else {
            log("throttled \(invocation.id) after its environment died: \(describeBusy()) (429 TooManyRequestsException)")
            invocation.sendComplete(status: .tooManyRequests, headers: Self.throttleHeaders(), body: Self.throttleBody)
            invocation.state = .done
            invocation.note = "throttled after its environment died"
            finish(invocation)
            return
        }
        assign(invocation, to: environment)
    }

    /// The client went away. Queued work is dropped (nothing ran yet); running work keeps going and
    /// its output is drained, because Lambda keeps running (and billing) after a disconnect.
    func clientGone(_ invocation: Invocation) {
        loop.preconditionInEventLoop()
        invocation.client = nil
        // Nobody to wait for any more: drain the runtime at full speed.
        invocation.onClientWritabilityChanged?(true)
        if invocation.state == .queued {
            invocation.state = .done
            invocation.note = "client disconnected while queued"
            finish(invocation)
        }
    }

    /// An environment that can take an invocation now. Warm ones first, the most recently used first (so
    /// the rest go idle and get reaped, as Lambda concentrates load); then one still initialising.
    private func environmentWithRoom() -> ExecutionEnvironment? {
        let candidates = environments.filter(\.hasRoom)
        let warm = candidates.filter { $0.phase == .ready }
        if let best = warm.max(by: { $0.lastUsed < $1.lastUsed }) { return best }
        return candidates.first
    }

    private func startEnvironmentIfAllowed() -> ExecutionEnvironment? {
        let limit: Int
        switch settings.concurrency {
        case .classic(let maxEnvironments, _): limit = maxEnvironments
        case .managed: limit = 1
        }
        guard environments.count(where: \.isLive) < limit else { return nil }
        return startEnvironment()
    }

    // MARK: Runtime API side

    /// A `GET /next` arrived. It parks until an invocation is given to this environment.
    func nextRequested(in environment: ExecutionEnvironment, by handler: RuntimeAPIHandler) {
        loop.preconditionInEventLoop()
        guard environment.phase == .initializing || environment.phase == .ready else { return }
        if environment.phase == .initializing {
            environment.phase = .ready
            let initTime = milliseconds(since: environment.started)
            environment.initMilliseconds = initTime
            log("\(environment.label): runtime ready, cold start init \(initTime) ms")
            if environment.invocations.isEmpty { scheduleReap(environment) }
        }
        if environment.capacity == 1 {
            // Asking for more work without answering the last is how a runtime says it gave up on it.
            // (A response still in flight on another connection finishes on its own and then pumps.)
            if let abandoned = environment.invocations.first(where: { $0.state == .dispatched }) {
                fail(abandoned, errorType: "Runtime.NoResponse", message: "runtime requested the next event without responding")
            }
        }
        // One /next per unit of concurrency: each open /next or unanswered invocation holds one.
        let held = environment.waiters.count + (environment.capacity == 1 ? 0 : environment.running)
        guard held < environment.capacity else {
            let limit = environment.capacity == 1
                ? "a second concurrent /next without AWS_LAMBDA_MAX_CONCURRENCY"
                : "more than AWS_LAMBDA_MAX_CONCURRENCY=\(environment.capacity) concurrent /next requests and invocations"
            log("\(environment.label): refused \(limit)")
            handler.reject(.internalServerError, errorBody("Runtime API refused \(limit)", type: "Runtime.TooManyIdleRuntimes"))
            return
        }
        environment.waiters.append(handler)
        pump(environment)
    }

    func runtimeConnectionClosed(_ handler: RuntimeAPIHandler, in environment: ExecutionEnvironment) {
        environment.waiters.removeAll { $0 === handler }
    }

    enum ResponseAdmission {
        case accepted(Invocation)
        case rejected(HTTPResponseStatus, ByteBuffer)
    }

    /// Validates `POST /invocation/{id}/response` or `/error`: the id must be an invocation this environment
    /// is running, and no answer may have started. Status codes follow RIE (400 unknown id, 403 wrong state).
    func admitResponse(id: String, in environment: ExecutionEnvironment) -> ResponseAdmission {
        loop.preconditionInEventLoop()
        if let invocation = environment.invocations.first(where: { $0.id == id && $0.state != .queued }) {
            guard invocation.state == .dispatched else {
                return .rejected(.forbidden, errorBody("Invalid state transition: response already started", type: "InvalidStateTransition"))
            }
            invocation.state = .responding
            return .accepted(invocation)
        }
        if recentlyFinished.contains(id) {
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

    /// `POST /init/error`: the runtime failed to initialise and will exit; requests given to it get a 502.
    func initError(in environment: ExecutionEnvironment, errorType: String?, body: ByteBuffer) {
        loop.preconditionInEventLoop()
        log("\(environment.label): init error \(errorType ?? "-"): \(String(decoding: body.readableBytesView.prefix(2000), as: UTF8.self))")
        guard environment.phase == .initializing || environment.phase == .ready else { return }
        environment.phase = .initFailed
        failAll(in: environment, errorType: errorType ?? "Runtime.InitError", message: "function initialization failed")
        // The runtime must exit after reporting; make sure a hung one does not linger.
        loop.scheduleTask(in: .seconds(2)) { [self] in
            if environment.phase == .initFailed {
                log("\(environment.label): did not exit after its init error; killing it")
                condemn(environment)
            }
        }
    }

    /// The runtime's response connection broke mid-body. With one invocation per environment that means the
    /// child crashed or is in a bad state, so the environment goes; a Managed Instance's other invocations are
    /// left alone (if the process died, its exit fails them).
    func runtimeVanished(during invocation: Invocation) {
        loop.preconditionInEventLoop()
        guard invocation.state != .done else { return }
        fail(invocation, errorType: "Runtime.TruncatedResponse", message: "runtime connection closed mid-response")
        if invocation.environment.capacity == 1 { condemn(invocation.environment) }
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

    private func failAll(in environment: ExecutionEnvironment, errorType: String, message: String) {
        for invocation in environment.invocations {
            fail(invocation, errorType: errorType, message: message)
        }
    }

    /// Lambda resets an environment whose invocation timed out; a Managed Instance keeps running its other
    /// invocations, so there only the timed-out one fails (a late answer from it gets a 403).
    private func timedOut(_ invocation: Invocation) {
        guard invocation.state != .done else { return }
        let seconds = settings.timeout == settings.timeout.rounded() ? String(Int(settings.timeout)) : String(settings.timeout)
        log("\(invocation.id) Task timed out after \(seconds) seconds (\(invocation.environment.label))")
        fail(invocation, errorType: "Sandbox.Timeout", message: "Task timed out after \(seconds) seconds")
        if invocation.environment.capacity == 1 { condemn(invocation.environment) }
    }

    /// SIGKILLs the environment's process group; its exit then fails what it still held and removes it.
    private func condemn(_ environment: ExecutionEnvironment) {
        guard environment.phase != .condemned, environment.phase != .exited else { return }
        environment.phase = .condemned
        environment.waiters.removeAll()
        environment.reapTask?.cancel()
        environment.reapTask = nil
        if let process = environment.process {
            process.kill(SIGKILL)
        } else {
            // Still binding its Runtime API: nothing to kill, so it is gone now.
            removeEnvironment(environment, errorType: "Runtime.ExitError", message: "environment stopped before its runtime started")
        }
    }

    /// Creates an environment: binds its own Runtime API port, then starts its child.
    private func startEnvironment() -> ExecutionEnvironment {
        environmentsStarted += 1
        let environment = ExecutionEnvironment(number: environmentsStarted, capacity: settings.concurrency.capacity)
        environments.append(environment)
        bindHTTPServer(group: group, port: 0, pipelining: false) { [self] in
            RuntimeAPIHandler(emulator: self, environment: environment)
        }.hop(to: loop).whenComplete { [self] result in
            switch result {
            case .success(let channel):
                environment.runtimeChannel = channel
                guard environment.phase == .initializing else {
                    channel.close(promise: nil)
                    return
                }
                spawnChild(for: environment, runtimePort: channel.localAddress?.port ?? 0)
            case .failure(let error):
                log("\(environment.label): cannot bind a Runtime API port: \(error)")
                removeEnvironment(environment, errorType: "Runtime.ExitError", message: "cannot bind a Runtime API port")
            }
        }
        return environment
    }

    private func spawnChild(for environment: ExecutionEnvironment, runtimePort: Int) {
        var env = ProcessInfo.processInfo.environment
        let name = env["AWS_LAMBDA_FUNCTION_NAME"] ?? "lambda-local"
        let region = env["AWS_REGION"] ?? env["AWS_DEFAULT_REGION"] ?? "us-east-1"
        env["AWS_LAMBDA_RUNTIME_API"] = "127.0.0.1:\(runtimePort)"
        env["AWS_LAMBDA_FUNCTION_NAME"] = name
        env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] ?? "1024"
        env["AWS_LAMBDA_FUNCTION_VERSION"] = "$LATEST"
        env["AWS_LAMBDA_FUNCTION_TIMEOUT"] = String(Int(settings.timeout.rounded(.up)))
        env["AWS_LAMBDA_INITIALIZATION_TYPE"] = "on-demand"
        env["AWS_REGION"] = env["AWS_REGION"] ?? region
        env["AWS_DEFAULT_REGION"] = env["AWS_DEFAULT_REGION"] ?? region
        env["AWS_LAMBDA_LOG_GROUP_NAME"] = "/aws/lambda/\(name)"
        env["AWS_LAMBDA_LOG_STREAM_NAME"] = "\(Self.logStreamDate())/[$LATEST]\(randomHex(bytes: 16))"
        env["_HANDLER"] = env["_HANDLER"] ?? URL(fileURLWithPath: settings.command[0]).lastPathComponent
        env["LAMBDA_TASK_ROOT"] = FileManager.default.currentDirectoryPath
        env["TZ"] = "UTC"
        // Lambda sets it only on Managed Instances; a value from the developer's shell must not leak in.
        switch settings.concurrency {
        case .classic: env["AWS_LAMBDA_MAX_CONCURRENCY"] = nil
        case .managed(let n): env["AWS_LAMBDA_MAX_CONCURRENCY"] = String(n)
        }
        for (key, value) in extraEnvironment { env[key] = value }

        do {
            let process = try ChildProcess.spawn(command: settings.command, environment: env) { [self] status in
                self.loop.execute { self.childExited(environment, status: status) }
            }
            environment.process = process
            log("\(environment.label): started child pid \(process.pid): \(settings.command.joined(separator: " "))")
            loop.scheduleTask(in: Self.initTimeout) { [self] in
                if environment.phase == .initializing {
                    log("\(environment.label): did not call /next within \(Self.initTimeout.nanoseconds / 1_000_000_000) s; killing it")
                    condemn(environment)
                }
            }
        } catch {
            log("\(environment.label): \(error)")
            removeEnvironment(environment, errorType: "Runtime.ExitError", message: "\(error)")
        }
    }

    private func childExited(_ environment: ExecutionEnvironment, status: Int32) {
        let before = environment.phase
        log("child pid \(environment.process?.pid ?? 0) \(ChildProcess.describe(status: status)) (env \(environment.number))")
        let message = before == .initializing || before == .initFailed
            ? "runtime failed to initialize"
            : "runtime \(ChildProcess.describe(status: status))"
        removeEnvironment(environment, errorType: "Runtime.ExitError", message: message, wasReady: environment.initMilliseconds != nil)
    }

    /// The environment is gone: what the runtime had received fails, its Runtime API port closes.
    /// Invocations still waiting for a `/next` move to another environment if this one had been working
    /// (had it never initialised, they fail with it rather than trigger an endless chain of failing starts).
    /// Replacements start on demand, when a request finds no room.
    private func removeEnvironment(_ environment: ExecutionEnvironment, errorType: String, message: String, wasReady: Bool = false) {
        environment.phase = .exited
        environment.waiters.removeAll()
        environment.reapTask?.cancel()
        environment.reapTask = nil
        environments.removeAll { $0 === environment }
        environment.runtimeChannel?.close(promise: nil)
        environment.runtimeChannel = nil
        let held = environment.invocations
        environment.invocations.removeAll { wasReady && $0.state == .queued }
        failAll(in: environment, errorType: errorType, message: message)
        for invocation in held where wasReady && invocation.state == .queued {
            reassign(invocation)
        }
    }

    /// Classic mode only: an environment with nothing to do for `--idle-timeout` is stopped, as Lambda
    /// reclaims idle environments. (A Managed Instance's environment lives as long as the instance.)
    private func scheduleReap(_ environment: ExecutionEnvironment) {
        guard case .classic(_, let idle?) = settings.concurrency else { return }
        environment.reapTask?.cancel()
        environment.reapTask = loop.scheduleTask(in: idle) { [self] in
            guard environment.phase == .ready, environment.invocations.isEmpty else { return }
            log("\(environment.label): reaped after \(Double(idle.nanoseconds) / 1e9) s idle")
            condemn(environment)
        }
    }

    /// Hands queued invocations to parked `/next` requests, oldest first.
    private func pump(_ environment: ExecutionEnvironment) {
        while !environment.waiters.isEmpty, let invocation = environment.invocations.first(where: { $0.state == .queued }) {
            dispatch(invocation, to: environment.waiters.removeFirst())
        }
    }

    private func dispatch(_ invocation: Invocation, to handler: RuntimeAPIHandler) {
        invocation.state = .dispatched
        let deadline = epochMilliseconds() + Int64(settings.timeout * 1000)
        let bound = NIOLoopBound(invocation, eventLoop: loop)
        invocation.timeoutTask?.cancel()
        invocation.timeoutTask = loop.scheduleTask(in: timeoutAmount) { [self] in
            self.timedOut(bound.value)
        }
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "application/json")
        headers.add(name: "lambda-runtime-aws-request-id", value: invocation.id)
        headers.add(name: "lambda-runtime-deadline-ms", value: String(deadline))
        headers.add(name: "lambda-runtime-invoked-function-arn", value: functionARN)
        headers.add(name: "lambda-runtime-trace-id", value: invocation.traceID)
        handler.sendNext(headers: headers, body: invocation.event)
    }

    private let functionARN: String = {
        let env = ProcessInfo.processInfo.environment
        let region = env["AWS_REGION"] ?? env["AWS_DEFAULT_REGION"] ?? "us-east-1"
        let name = env["AWS_LAMBDA_FUNCTION_NAME"] ?? "lambda-local"
        return "arn:aws:lambda:\(region):123456789012:function:\(name)"
    }()

    /// Bookkeeping shared by every way an invocation ends: one REPORT-style log line, then the next one.
    private func finish(_ invocation: Invocation) {
        invocation.timeoutTask?.cancel()
        invocation.timeoutTask = nil
        let environment = invocation.environment
        environment.invocations.removeAll { $0 === invocation }
        environment.lastUsed = .now()
        recentlyFinished.insert(invocation.id)
        finishedOrder.append(invocation.id)
        if finishedOrder.count > 1000 {
            recentlyFinished.remove(finishedOrder.removeFirst())
        }
        var line = "\(invocation.id) status=\(invocation.status) duration=\(milliseconds(since: invocation.received))ms bytes=\(invocation.bodyBytes) env=\(environment.number)"
        if invocation.client == nil { line += " client=gone" }
        if let note = invocation.note { line += " (\(note))" }
        log(line)
        if environment.invocations.isEmpty, environment.phase == .ready { scheduleReap(environment) }
        pump(environment)
    }

    // MARK: Throttling

    /// The Lambda API's TooManyRequestsException (botocore's model: `Reason`, `Type`, `message`; HTTP 429;
    /// the error code in `x-amzn-ErrorType`), which is what a throttled Function URL call answers.
    static let throttleBody = jsonBuffer([
        "Reason": "ReservedFunctionConcurrentInvocationLimitExceeded",
        "Type": "User",
        "message": "Rate Exceeded.",
    ])

    static func throttleHeaders() -> HTTPHeaders {
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "application/json")
        headers.add(name: "x-amzn-errortype", value: "TooManyRequestsException")
        headers.add(name: "x-amzn-requestid", value: newRequestID())
        return headers
    }

    private func describeBusy() -> String {
        let live = environments.filter(\.isLive)
        return switch settings.concurrency {
        case .classic(let maxEnvironments, _):
            "all \(live.count) of --max-environments \(maxEnvironments) execution environments busy"
        case .managed(let n):
            "\(live.first?.invocations.count ?? 0) of --max-concurrency \(n) invocations in flight"
        }
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
