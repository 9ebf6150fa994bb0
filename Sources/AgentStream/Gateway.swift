import CLibCrypto
import CurlHTTP
import LambdaHTTP
import LambdaRuntime
import TinyJSON

/// The AgentStream handler: decodes the Function URL event, routes it, and answers through one
/// `ResponseSink`, leaving one log line per invocation.
public struct Gateway: LambdaHandler {
    let config: GatewayConfig
    let logger: JSONLogger
    let upstreams: [String: any AgentUpstream]
    let relay: Relay
    let auth: Authenticator
    let credentials: CredentialStore?
    let health: HealthChecker

    /// A gateway for `config`; upstream clients are created here once and reused by every invocation. Nothing
    /// here touches the network: keys, credentials and connections are fetched by the first invocation needing them.
    public init(config: GatewayConfig, client: CurlClient = .shared) throws(ConfigError) {
        self.config = config
        logger = JSONLogger(level: config.logLevel)
        relay = Relay(settings: config.relay, logger: logger)
        upstreams = try UpstreamRegistry.build(config, client: client)
        auth = Authenticator(config: config.auth, logger: logger)
        credentials = config.credentialStore.map { CredentialStore(config: $0) }
        health = HealthChecker(agents: config.agents, upstreams: upstreams)
        // The package links OpenSSL statically: the version it carries is part of what was deployed (rebuild on
        // every OpenSSL advisory), so each cold start says which one it is.
        logger.log(.info, "init", ["openssl": .string(String(cString: OpenSSL_version(OPENSSL_VERSION))), "agents": .number(Double(config.agents.count))])
    }

    public func handle(event: [UInt8], context: LambdaContext, writer: any LambdaResponseWriter) async throws {
        let log = InvocationLog(requestID: context.requestID)
        let request: FunctionURLRequest
        do {
            request = try FunctionURLRequest(event: event)
        } catch {
            // Not a Function URL event: the runtime reports it through /error (the caller sees a 502); the log
            // line and its metrics still record it.
            log.status = 502
            log.outcome = error.errorType
            log.write(to: logger, namespace: config.metricsNamespace)
            throw error
        }
        log.method = request.method
        log.path = request.rawPath
        let sink = ResponseSink(writer: writer, mode: config.responseMode, maxBytes: config.relay.maxResponseBytes, log: log)
        var streamFailure: StreamFailure?
        do {
            do {
                try await route(request, context: context, sink: sink, log: log)
            } catch let failure as HTTPFailure {
                try await sink.fail(failure)
            } catch let failure as StreamFailure {
                streamFailure = failure
            }
            try await sink.finish()
        } catch {
            log.outcome = log.outcome == "complete" ? "RuntimeAPIWriteFailed" : log.outcome
            log.write(to: logger, namespace: config.metricsNamespace)
            throw error
        }
        log.write(to: logger, namespace: config.metricsNamespace)
        // Streamed: the runtime adds Lambda's error trailers after the error frame. Buffered: the frame is
        // inside the one answer already sent, and there is nothing after it.
        if let streamFailure, config.responseMode == .stream { throw streamFailure }
    }

    private func route(_ request: FunctionURLRequest, context: LambdaContext, sink: ResponseSink, log: InvocationLog) async throws {
        guard let route = Route.match(method: request.method, path: request.rawPath) else {
            throw HTTPFailure.notFound("no route for \(request.method) \(request.rawPath)")
        }
        log.route = route.name
        switch route {
        case .root, .invoke:
            let caller = try await authenticate(request, log: log)
            let body = try RequestBody.jsonObject(request)
            let parsed = try InvokeRequest.parse(body, defaultAgent: config.defaultAgent, upstream: { upstreams[$0] })
            try await runAgent(parsed, format: .sse, caller: caller, request: request, context: context, sink: sink)
        case .stream:
            let caller = try await authenticate(request, log: log)
            let body = try RequestBody.jsonObject(request)
            let parsed = try StreamRequest.parse(body, upstream: { upstreams[$0] })
            let format: StreamFormat = StreamRequest.wantsSSE(accept: request.headers["accept"]) ? .sse : .text
            try await runAgent(parsed, format: format, caller: caller, request: request, context: context, sink: sink)
        case .agents:
            _ = try await authenticate(request, log: log)
            let names: [JSONValue] = config.agents.map { .string($0.name) }
            try await sink.respond(status: 200, json: ["data": .array(names), "message": "Available agents retrieved successfully"])
        case .health:
            // No auth: load balancers and uptime checks call it; it reveals only reachability.
            let report = await health.report()
            log.extra["health"] = report["status"] ?? .null
            try await sink.respond(status: 200, json: report, headers: [("cache-control", "no-store")])
        case .cancel:
            let caller = try await authenticate(request, log: log)
            try await cancel(request, caller: caller, context: context, sink: sink)
        case .preflight:
            // The Function URL's CORS config answers preflights; one that reaches us gets an empty 204.
            try sink.respondHead(status: 204)
        }
    }

    /// The caller, or a 401/503 failure; logs only the outcome, never the token.
    func authenticate(_ request: FunctionURLRequest, log: InvocationLog) async throws(HTTPFailure) -> Caller {
        do {
            let caller = try await auth.authenticate(request)
            log.userID = caller.userID
            return caller
        } catch {
            if error.status == 401, let reason = error.body["message"] { log.extra["auth_error"] = reason }
            throw error
        }
    }
}
