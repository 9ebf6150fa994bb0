import AgentStream
import LambdaRuntime

// Until the gateway lands, bootstrap serves the diagnostic echo handler.
await LambdaRuntime.run { EchoHandler() }
