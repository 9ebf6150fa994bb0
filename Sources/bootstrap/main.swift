import AgentStream
import LambdaRuntime

/// The handler chosen at start: the gateway, or the diagnostic echo handler (`AGENTSTREAM_HANDLER=echo`).
struct Selected: LambdaHandler {
    let base: any LambdaHandler

    func handle(event: [UInt8], context: LambdaContext, writer: LambdaResponseWriter) async throws {
        try await base.handle(event: event, context: context, writer: writer)
    }
}

/// Reads the configuration; errors name the variable and become the init error.
func makeHandler() throws -> Selected {
    let env = Environment.current()
    switch env["AGENTSTREAM_HANDLER"] ?? "gateway" {
    case "gateway", "":
        return Selected(base: Gateway(config: try GatewayConfig(environment: env)))
    case "echo":
        return Selected(base: EchoHandler())
    case let other:
        throw ConfigError("AGENTSTREAM_HANDLER", "unknown handler '\(other)' (expected 'gateway' or 'echo')")
    }
}

await LambdaRuntime.run { try makeHandler() }
