import NIOCore

/// How the Function URL hands the function's answer to its client.
enum InvokeMode: String, Sendable, CaseIterable {
    /// Bytes reach the client as the function writes them (the prelude sets status and headers).
    case responseStream = "RESPONSE_STREAM"
    /// The whole answer is collected (6 MB at most) and read as a payload-2.0 result object.
    case buffered = "BUFFERED"
}

/// How concurrent requests map onto execution environments (child processes).
enum ConcurrencyModel: Sendable, Equatable {
    /// Classic Lambda: one invocation per environment at a time, a new environment per concurrent request up
    /// to `maxEnvironments`, idle ones reaped after `idleTimeout` (nil: never).
    case classic(maxEnvironments: Int, idleTimeout: TimeAmount?)
    /// Lambda Managed Instances: one environment started with `AWS_LAMBDA_MAX_CONCURRENCY` = `maxConcurrency`.
    case managed(maxConcurrency: Int)

    /// Invocations one environment holds at once.
    var capacity: Int {
        switch self {
        case .classic: 1
        case .managed(let n): n
        }
    }
}

/// Everything the command line decided, validated.
struct Settings: Sendable {
    var port = 9000
    var timeout: Double = 900
    var cors: CORSConfig?
    var corsFile: String?
    var demoAgent = false
    var concurrency = ConcurrencyModel.classic(maxEnvironments: 10, idleTimeout: .seconds(300))
    var invokeMode = InvokeMode.responseStream
    var webDirectory: String?
    var webPort = 0
    var command: [String] = []
}
