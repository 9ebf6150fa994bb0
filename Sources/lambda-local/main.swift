// lambda-local: a Lambda Function URL (RESPONSE_STREAM and BUFFERED) plus a Runtime API for one child,
// for running bootstrap (or any Lambda runtime client) on a laptop. See DESIGN.md §6.
import Dispatch
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

let usage = """
    usage: lambda-local [--port 9000] [--timeout 900] [--cors FILE] [--demo-agent] -- COMMAND [ARGS...]
      --port N       Function URL port on 127.0.0.1 (0 picks a free one)
      --timeout S    function timeout in seconds (deadline header and kill after)
      --cors FILE    Function URL CORS config JSON (AllowOrigins, AllowMethods, AllowHeaders,
                     ExposeHeaders, AllowCredentials, MaxAge)
      --demo-agent   start the in-process demo agent and point the child at it
    """

/// Parses the command line; exits with status 2 and the usage text on anything unexpected.
func parseOptions(_ arguments: [String]) -> Options {
    func fail(_ message: String) -> Never {
        log(message)
        FileHandle.standardError.write(Data((usage + "\n").utf8))
        exit(2)
    }
    var options = Options()
    var index = 1
    func value(_ flag: String) -> String {
        index += 1
        guard index < arguments.count else { fail("\(flag) needs a value") }
        return arguments[index]
    }
    while index < arguments.count {
        var argument = arguments[index]
        var inline: String?
        if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
            inline = String(argument[argument.index(after: equals)...])
            argument = String(argument[..<equals])
        }
        switch argument {
        case "--":
            options.command = Array(arguments[(index + 1)...])
            index = arguments.count
            continue
        case "--port":
            guard let port = Int(inline ?? value(argument)), (0...65535).contains(port) else { fail("invalid --port") }
            options.port = port
        case "--timeout":
            guard let timeout = Double(inline ?? value(argument)), timeout > 0, timeout <= 900 else {
                fail("invalid --timeout (1..900 seconds)")
            }
            options.timeout = timeout
        case "--cors":
            options.corsFile = inline ?? value(argument)
        case "--demo-agent":
            options.demoAgent = true
        case "-h", "--help":
            print(usage)
            exit(0)
        default:
            fail("unknown argument \(argument)")
        }
        index += 1
    }
    if options.command.isEmpty { fail("missing -- COMMAND") }
    return options
}

let options = parseOptions(CommandLine.arguments)
var cors: CORSConfig?
if let path = options.corsFile {
    do {
        cors = try CORSConfig.load(path: path)
    } catch {
        log("\(error)")
        exit(2)
    }
}

// Writes to a client that vanished must surface as errors, not kill the emulator.
signal(SIGPIPE, SIG_IGN)

// One loop for everything: all emulator state is confined to it, so there is nothing to lock.
let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
let loop = group.next()
let emulator = Emulator(loop: loop, options: options, cors: cors)

func httpServer(port: Int, handler: @escaping @Sendable () -> any ChannelHandler) throws -> any Channel {
    try ServerBootstrap(group: group)
        .serverChannelOption(.backlog, value: 256)
        .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
        .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
        .childChannelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                try channel.pipeline.syncOperations.addHandler(handler())
            }
        }
        .bind(host: "127.0.0.1", port: port)
        .wait()
}

let runtimeChannel: any Channel
let urlChannel: any Channel
var extraEnvironment: [String: String] = [:]
do {
    if options.demoAgent {
        extraEnvironment = try startDemoAgent(group: group)
    }
    runtimeChannel = try httpServer(port: 0) { RuntimeAPIHandler(emulator: emulator) }
    urlChannel = try httpServer(port: options.port) { FunctionURLHandler(emulator: emulator) }
} catch {
    log("cannot start: \(error)")
    exit(1)
}
let urlPort = urlChannel.localAddress?.port ?? options.port
let runtimePort = runtimeChannel.localAddress?.port ?? 0
let environment = extraEnvironment
try? loop.submit {
    emulator.start(urlPort: urlPort, runtimePort: runtimePort, extraEnvironment: environment)
}.wait()
log("Runtime API on 127.0.0.1:\(runtimePort), timeout \(options.timeout)s\(cors == nil ? "" : ", CORS from \(options.corsFile ?? "")")")

// Tests and scripts wait for this exact line; FileHandle writes straight to fd 1, so no flush is needed.
FileHandle.standardOutput.write(Data("listening on http://127.0.0.1:\(urlPort)\n".utf8))

let signalSources = installTerminationHandlers()

try? urlChannel.closeFuture.wait()
