import ArgumentParser
import Foundation
import NIOCore
import NIOPosix

extension InvokeMode: ExpressibleByArgument {
    /// AWS spells the modes in capitals; lower case is accepted too.
    init?(argument: String) {
        self.init(rawValue: argument.uppercased())
    }
}

/// The `lambda-local` command: parses and validates the command line, then serves until SIGINT/SIGTERM.
struct LambdaLocalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lambda-local",
        abstract: "A Lambda Function URL and Runtime API on 127.0.0.1, for running bootstrap (or any Lambda runtime) locally.",
        discussion: """
            Each HTTP request to the Function URL becomes a payload-2.0 event handed to a child runtime through \
            its own Runtime API; the answer goes back to the client as the Function URL would send it. Once \
            ready, the first line on stdout is `listening on http://127.0.0.1:PORT` (then `web page on ...` \
            with --web); everything else goes to stderr.

            Concurrency is Lambda's. Classic mode (default): a request gets an idle execution environment, or a \
            new one (a child process with its own Runtime API and init, each cold start logged with its init \
            time), up to --max-environments; beyond that the client gets 429 TooManyRequestsException. \
            Environments idle for --idle-timeout are stopped. --max-concurrency N emulates a Lambda Managed \
            Instance instead: one child with AWS_LAMBDA_MAX_CONCURRENCY=N that may hold N invocations at once \
            (N concurrent /next requests); more concurrent requests get 429. A child that crashes or times out \
            fails only its own requests and is replaced on demand.

            --demo-agent serves an AgentCore-compatible agent (InvokeAgentRuntime and StopRuntimeSession) and \
            logs its URL; each stop is logged as `demo-agent: StopRuntimeSession session=ID ...` and listed by \
            GET <agent URL>/__stops.
            """
    )

    @Option(help: ArgumentHelp("Function URL port on 127.0.0.1; 0 picks a free one.", valueName: "port"))
    var port: Int = 9000

    @Option(help: ArgumentHelp("Function timeout in seconds (up to 900): the deadline the runtime sees, and when an invocation is cut off.", valueName: "seconds"))
    var timeout: Double = 900

    @Option(help: ArgumentHelp("Function URL CORS config JSON (AllowOrigins, AllowMethods, AllowHeaders, ExposeHeaders, AllowCredentials, MaxAge).", valueName: "file"))
    var cors: String?

    @Flag(help: "Start the in-process AgentCore-compatible demo agent and point the child at it.")
    var demoAgent = false

    @Option(help: ArgumentHelp("Classic mode: most execution environments at once; more concurrent requests get 429. (default: 10)", valueName: "n"))
    var maxEnvironments: Int?

    @Option(help: ArgumentHelp("Classic mode: stop an environment after this many idle seconds; 0 never does. (default: 300)", valueName: "seconds"))
    var idleTimeout: Double?

    @Option(help: ArgumentHelp("Managed Instances mode: one environment started with AWS_LAMBDA_MAX_CONCURRENCY=n, holding up to n invocations at once (1-1024).", valueName: "n"))
    var maxConcurrency: Int?

    @Option(help: ArgumentHelp("RESPONSE_STREAM relays the response as it is written; BUFFERED sends it whole, read as a payload-2.0 result (6 MB max).", valueName: "mode"))
    var invokeMode: InvokeMode = .responseStream

    @Option(help: ArgumentHelp("Serve this directory's static files on a separate origin: index.html for /, and /config.json answering {\"apiUrl\": <Function URL>} unless the directory has one.", valueName: "dir"))
    var web: String?

    @Option(help: ArgumentHelp("Port for --web; 0 picks a free one. (default: 0)", valueName: "port"))
    var webPort: Int?

    @Argument(parsing: .postTerminator, help: ArgumentHelp("The runtime each environment runs, with its arguments (after --).", valueName: "command"))
    var command: [String]

    func validate() throws {
        _ = try settings()
    }

    /// Turns the parsed options into settings, with an error that names the option for anything invalid.
    func settings() throws -> Settings {
        var settings = Settings()
        guard (0...65535).contains(port) else {
            throw ValidationError("--port must be 0-65535 (0 picks a free port), not \(port).")
        }
        settings.port = port
        guard timeout.isFinite, timeout > 0, timeout <= 900 else {
            throw ValidationError("--timeout must be more than 0 and at most 900 seconds (Lambda's maximum), not \(timeout).")
        }
        settings.timeout = timeout
        if let cors {
            do {
                settings.cors = try CORSConfig.load(path: cors)
            } catch {
                throw ValidationError("--cors: \(error)")
            }
            settings.corsFile = cors
        }
        settings.demoAgent = demoAgent
        if let maxConcurrency {
            guard (1...1024).contains(maxConcurrency) else {
                throw ValidationError("--max-concurrency must be 1-1024, not \(maxConcurrency).")
            }
            if maxEnvironments != nil || idleTimeout != nil {
                throw ValidationError("--max-environments and --idle-timeout apply to classic mode; --max-concurrency runs one Managed Instance environment that is never reaped.")
            }
            settings.concurrency = .managed(maxConcurrency: maxConcurrency)
        } else {
            let environments = maxEnvironments ?? 10
            guard (1...1000).contains(environments) else {
                throw ValidationError("--max-environments must be 1-1000, not \(environments).")
            }
            let idle = idleTimeout ?? 300
            guard idle.isFinite, idle >= 0 else {
                throw ValidationError("--idle-timeout must be 0 (never) or a positive number of seconds, not \(idle).")
            }
            settings.concurrency = .classic(
                maxEnvironments: environments,
                idleTimeout: idle == 0 ? nil : .nanoseconds(Int64(idle * 1_000_000_000)))
        }
        settings.invokeMode = invokeMode
        if let web {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: web, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ValidationError("--web: \(web) is not a directory.")
            }
            settings.webDirectory = web
        }
        if let webPort {
            guard web != nil else {
                throw ValidationError("--web-port needs --web DIR.")
            }
            guard (0...65535).contains(webPort) else {
                throw ValidationError("--web-port must be 0-65535 (0 picks a free port), not \(webPort).")
            }
            if webPort != 0 && webPort == port {
                throw ValidationError("--web-port must differ from --port: the page and the Function URL are separate origins.")
            }
            settings.webPort = webPort
        }
        settings.command = command
        return settings
    }

    func run() throws {
        let settings = try settings()
        // Writes to a client that vanished must surface as errors, not kill the emulator.
        signal(SIGPIPE, SIG_IGN)
        // Before anything can print `listening on`: a script may signal us the moment it reads that line.
        let signalSources = installTerminationHandlers()

        // One loop for everything: all emulator state is confined to it, so there is nothing to lock.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let emulator = Emulator(group: group, loop: loop, settings: settings)
        let urlChannel: any Channel
        var webChannel: (any Channel)?
        var extraEnvironment: [String: String] = [:]
        do {
            if settings.demoAgent {
                extraEnvironment = try startDemoAgent(group: group)
            }
            urlChannel = try bindHTTPServer(group: group, port: settings.port) { FunctionURLHandler(emulator: emulator) }.wait()
            let urlPort = urlChannel.localAddress?.port ?? settings.port
            if let directory = settings.webDirectory {
                let site = try StaticSite(directory: directory, apiURL: "http://127.0.0.1:\(urlPort)")
                webChannel = try bindHTTPServer(group: group, port: settings.webPort) { StaticSiteHandler(site: site) }.wait()
            }
        } catch {
            log("cannot start: \(error)")
            throw ExitCode.failure
        }
        let urlPort = urlChannel.localAddress?.port ?? settings.port
        let environment = extraEnvironment
        try loop.submit {
            emulator.start(urlPort: urlPort, extraEnvironment: environment)
        }.wait()
        log(Self.describe(settings))

        // Tests and scripts wait for this exact first line; FileHandle writes straight to fd 1, so no flush.
        FileHandle.standardOutput.write(Data("listening on http://127.0.0.1:\(urlPort)\n".utf8))
        if let webPort = webChannel?.localAddress?.port {
            FileHandle.standardOutput.write(Data("web page on http://127.0.0.1:\(webPort)/\n".utf8))
            log("web: serving \(settings.webDirectory ?? "") on http://127.0.0.1:\(webPort)/ (a separate origin from the Function URL)")
        }

        try? urlChannel.closeFuture.wait()
        withExtendedLifetime(signalSources) {}
    }

    private static func describe(_ settings: Settings) -> String {
        var parts = ["timeout \(settings.timeout)s", "invoke mode \(settings.invokeMode.rawValue)"]
        switch settings.concurrency {
        case .classic(let maxEnvironments, let idle):
            let idleText = idle.map { "idle environments stopped after \(Double($0.nanoseconds) / 1e9)s" } ?? "idle environments kept"
            parts.append("classic concurrency: up to \(maxEnvironments) environments, \(idleText)")
        case .managed(let n):
            parts.append("Managed Instance: one environment, AWS_LAMBDA_MAX_CONCURRENCY=\(n)")
        }
        if let file = settings.corsFile { parts.append("CORS from \(file)") }
        return parts.joined(separator: ", ")
    }
}
