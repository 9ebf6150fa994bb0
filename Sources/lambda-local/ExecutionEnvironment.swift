import Foundation
import NIOCore

/// One execution environment: a child process (the "sandbox"), its own Runtime API port, and the invocations
/// given to it. Lambda runs one invocation per environment (`capacity` 1); a Managed Instance runs up to
/// `AWS_LAMBDA_MAX_CONCURRENCY` (`capacity` N) in one environment.
///
/// Confined to the emulator's event loop, like the emulator; `@unchecked Sendable` only so the Runtime API
/// server's channel initializer (a `@Sendable` closure) can hand it to the connection handlers on that loop.
final class ExecutionEnvironment: @unchecked Sendable {
    enum Phase: Equatable {
        /// Runtime API bound or binding, child starting; no `/next` yet.
        case initializing
        /// Called `/next` at least once: init succeeded.
        case ready
        /// Reported `/init/error` or never reached `/next`; takes no more work.
        case initFailed
        /// We are killing it (timeout, crash mid-response, idle reaping); its late requests get nothing.
        case condemned
        /// The process is gone.
        case exited
    }

    /// 1, 2, 3… in start order, for the log.
    let number: Int
    let capacity: Int
    let started = NIODeadline.now()
    var phase = Phase.initializing
    /// Set when the runtime first called `/next`: it initialised, so it has been a working environment.
    var initMilliseconds: Int64?
    var process: ChildProcess?
    /// This environment's Runtime API server; closed when the environment is gone.
    var runtimeChannel: (any Channel)?
    /// Invocations given to this environment that are not done: waiting for a `/next`, running, or responding.
    var invocations: [Invocation] = []
    /// The runtime's parked `GET /next` requests (at most `capacity`).
    var waiters: [RuntimeAPIHandler] = []
    var lastUsed = NIODeadline.now()
    var reapTask: Scheduled<Void>?

    init(number: Int, capacity: Int) {
        self.number = number
        self.capacity = capacity
    }

    /// Can be given another invocation now.
    var hasRoom: Bool {
        (phase == .initializing || phase == .ready) && invocations.count < capacity
    }

    /// Counts toward `--max-environments`: everything not on its way out.
    var isLive: Bool {
        phase == .initializing || phase == .ready
    }

    /// Invocations handed to the runtime whose response has not ended.
    var running: Int {
        invocations.count { $0.state == .dispatched || $0.state == .responding }
    }

    /// `env 3 (pid 1234)` for log lines.
    var label: String {
        if let process { return "env \(number) (pid \(process.pid))" }
        return "env \(number)"
    }
}
