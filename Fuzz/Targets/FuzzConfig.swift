// Start-up and per-invocation settings read from outside the code: the environment (GatewayConfig with its
// AGENTS JSON, limits, URLs, AUTH_MODE/JWT_* with a PEM, SUPABASE_*; AWS_LAMBDA_RUNTIME_API;
// AWS_LAMBDA_MAX_CONCURRENCY) and the Runtime API's `/next` headers (LambdaContext, the X-Ray trace header).
// Input: `NAME=value` lines. Invariants: no crash on any value (a bad one is a ConfigError naming its variable);
// accepted limits lie in their documented ranges; a gateway builds from any accepted configuration; a
// traceparent made from a trace header is well formed.
import AgentStream
import FuzzSupport
import LambdaRuntime
import Primitives

enum FuzzConfig: FuzzTarget {
    static let name = "config"

    static func run(_ input: [UInt8]) {
        var env: [String: String] = [:]
        var values: [String] = []
        for line in linesKeepingLF(input) {
            var l = line[...]
            if l.last == 0x0A { l = l.dropLast() }
            let text = String(decoding: l, as: UTF8.self)
            guard let eq = text.firstIndex(of: "=") else { continue }
            let value = String(text[text.index(after: eq)...])
            env[String(text[..<eq])] = value
            values.append(value)
        }
        do {
            let config = try GatewayConfig(environment: env)
            let relay = config.relay
            require((100...600_000).contains(relay.heartbeatMs), "heartbeat \(relay.heartbeatMs)")
            require((1024...(64 << 20)).contains(relay.maxEventBytes), "max event bytes \(relay.maxEventBytes)")
            require((64 * 1024...RelaySettings.streamedResponseCap).contains(relay.maxResponseBytes), "max response bytes")
            require(!config.agents.isEmpty, "a configuration without agents")
            _ = try Gateway(config: config)
        } catch {
            require(!error.variable.isEmpty, "a configuration error that names no variable: \(error)")
        }
        for value in values + [env["AWS_LAMBDA_RUNTIME_API"] ?? ""] {
            if let endpoint = try? RuntimeAPIEndpoint(value) {
                require(endpoint.base.hasPrefix("http://") && endpoint.base.hasSuffix("/2018-06-01/runtime"), "endpoint \(endpoint.base)")
            }
            if let n = try? RuntimeLoop.parseConcurrency(value) { require((1...RuntimeLoop.maxConcurrency).contains(n), "concurrency \(n)") }
            if let traceparent = TraceContext.traceparent(fromXRay: value) {
                let parts = traceparent.split(separator: "-", omittingEmptySubsequences: false)
                require(
                    parts.count == 4 && parts[0] == "00" && parts[1].utf8.count == 32 && parts[2].utf8.count == 16
                        && (parts[3] == "00" || parts[3] == "01"),
                    "traceparent \(traceparent) from \(value)")
            }
        }
        if let context = try? LambdaContext(header: { env[$0] }) {
            require(!context.requestID.isEmpty && context.deadlineMs > 0, "context \(context)")
            // What the relay derives from the deadline: saturating, whatever the header said.
            _ = MonotonicClock.now.advanced(byMilliseconds: context.remainingTimeMs - 2_000)
        }
    }
}
