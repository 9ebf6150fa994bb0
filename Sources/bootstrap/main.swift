import AgentStream
import LambdaRuntime

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Picks the handler from `AGENTSTREAM_HANDLER` (`echo` is the diagnostic handler).
func makeHandler() throws -> EchoHandler {
    let choice = getenv("AGENTSTREAM_HANDLER").map { String(cString: $0) } ?? "echo"
    guard choice == "echo" else {
        throw ConfigError("AGENTSTREAM_HANDLER", "unknown handler '\(choice)' (expected 'echo')")
    }
    return EchoHandler()
}

await LambdaRuntime.run { try makeHandler() }
