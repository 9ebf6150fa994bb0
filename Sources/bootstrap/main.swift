import AgentStream
import LambdaRuntime

/// The handler `AGENTSTREAM_HANDLER` selects: the gateway (the product), or the diagnostic echo handler.
enum ConfiguredHandler: LambdaHandler {
    case gateway(Gateway)
    case echo(EchoHandler)

    /// Reads the configuration; errors name the variable and become the init error.
    static func fromEnvironment() throws -> ConfiguredHandler {
        let env = Environment.current()
        switch env["AGENTSTREAM_HANDLER"] ?? "gateway" {
        case "gateway", "":
            return .gateway(try Gateway(config: try GatewayConfig(environment: env)))
        case "echo":
            return .echo(EchoHandler())
        case let other:
            throw ConfigError("AGENTSTREAM_HANDLER", "unknown handler '\(other)' (expected 'gateway' or 'echo')")
        }
    }

    func handle(event: [UInt8], context: LambdaContext, writer: any LambdaResponseWriter) async throws {
        switch self {
        case .gateway(let gateway): try await gateway.handle(event: event, context: context, writer: writer)
        case .echo(let echo): try await echo.handle(event: event, context: context, writer: writer)
        }
    }
}

RuntimeLoop.main { try ConfiguredHandler.fromEnvironment() }
