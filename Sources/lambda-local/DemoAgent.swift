import NIOCore

/// Starts the in-process demo agent for `--demo-agent` and returns the environment the child needs to
/// reach it.
///
/// TODO: not implemented yet — a later task adds an AgentCore-compatible demo agent here. The intended
/// seam: bind an HTTP server on `127.0.0.1:0` using `group` (the emulator's event loop group, so it shuts
/// down with everything else), serve `POST /runtimes/{arn}/invocations` streaming `text/event-stream`,
/// and return e.g. `["AGENTCORE_ENDPOINT": "http://127.0.0.1:<port>",
/// "AGENTCORE_RUNTIME_ARN": "<demo arn>", "AWS_ACCESS_KEY_ID": ..., "AWS_SECRET_ACCESS_KEY": ...]`,
/// which the emulator adds to the child's environment on every (re)spawn.
func startDemoAgent(group: any EventLoopGroup) throws -> [String: String] {
    _ = group
    log("--demo-agent: the demo agent is not implemented yet; the child gets no AGENTCORE_ENDPOINT")
    return [:]
}
