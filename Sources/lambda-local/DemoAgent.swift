import Foundation
import NIOCore

/// Starts the in-process demo agent for `--demo-agent` on the emulator's event loop group (so it stops
/// with everything else) and returns the environment that points the child at it. `DEMO_AGENT_PAUSE_MS`
/// tunes the pauses between its events (tests set it low).
func startDemoAgent(group: any EventLoopGroup) throws -> [String: String] {
    let pause = ProcessInfo.processInfo.environment["DEMO_AGENT_PAUSE_MS"].flatMap(Int.init) ?? 350
    let server = try DemoAgentServer(group: group, pauseMs: max(0, pause))
    // Tests find the agent (and its read-only stop records) through this line.
    log("--demo-agent: AgentCore-compatible demo agent at \(server.url) (StopRuntimeSession records: GET \(server.url)/__stops)")
    return server.childEnvironment
}
