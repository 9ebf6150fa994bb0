import Dispatch
import Foundation
import Synchronization

/// The process groups of the running children, readable from the signal handler without the event loop
/// (which may be the thing that is stuck when the user presses Ctrl-C).
let runningChildGroups = Mutex<Set<pid_t>>([])

/// One runtime process (an execution environment's "sandbox"), spawned with posix_spawn in its own process
/// group so a kill also reaches whatever it forked (a shell wrapper, a Python interpreter).
final class ChildProcess: Sendable {
    let pid: pid_t

    private init(pid: pid_t) {
        self.pid = pid
    }

    struct SpawnError: Error, CustomStringConvertible {
        let command: String
        let code: Int32
        var description: String { "cannot start \(command): \(String(cString: strerror(code)))" }
    }

    /// Starts `command` (looked up on PATH) with exactly `environment`. The child's stdout is pointed at
    /// our stderr so its logs never mix with the `listening on` line tools parse from our stdout.
    /// `onExit` runs on a background thread with the raw wait status once the process is reaped.
    static func spawn(
        command: [String],
        environment: [String: String],
        onExit: @escaping @Sendable (Int32) -> Void
    ) throws -> ChildProcess {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setpgroup(&attributes, 0)
        // We ignore SIGPIPE and block nothing, but ignored dispositions survive exec: restore defaults.
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for sig in [SIGPIPE, SIGINT, SIGTERM, SIGCHLD] { sigaddset(&defaults, sig) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        let flags = Int32(POSIX_SPAWN_SETPGROUP) | Int32(POSIX_SPAWN_SETSIGDEF) | Int32(POSIX_SPAWN_SETSIGMASK)
        posix_spawnattr_setflags(&attributes, Int16(flags))

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, 2, 1)
        markDescriptorsCloseOnExec()

        let argv: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, command[0], &actions, &attributes, argv, envp)
        guard rc == 0 else { throw SpawnError(command: command[0], code: rc) }

        let childPID = pid
        runningChildGroups.withLock { _ = $0.insert(childPID) }
        // A blocking waitpid per child is the simplest reliable reaper; one thread per (re)spawn is cheap.
        let reaper = Thread {
            var status: Int32 = 0
            while waitpid(childPID, &status, 0) == -1 && errno == EINTR {}
            runningChildGroups.withLock { _ = $0.remove(childPID) }
            onExit(status)
        }
        reaper.name = "lambda-local-reaper-\(pid)"
        reaper.start()
        return ChildProcess(pid: pid)
    }

    /// The child must not inherit our listening sockets, connections or epoll fd (not all are opened with
    /// O_CLOEXEC): an orphaned child would keep the Function URL port and Runtime API connections alive.
    private static func markDescriptorsCloseOnExec() {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") else { return }
        for entry in entries {
            guard let fd = Int32(entry), fd > 2 else { continue }
            let flags = fcntl(fd, F_GETFD)
            if flags >= 0 { _ = fcntl(fd, F_SETFD, flags | FD_CLOEXEC) }
        }
    }

    /// Signals the whole process group; harmless if it is already gone.
    func kill(_ signal: Int32 = SIGKILL) {
        _ = Glibc.kill(-pid, signal)
    }

    /// Human-readable form of a wait status for the log.
    static func describe(status: Int32) -> String {
        // WIFEXITED/WTERMSIG are C macros Swift cannot import; decode the Linux layout directly.
        let signal = status & 0x7f
        if signal == 0 { return "exited with status \((status >> 8) & 0xff)" }
        return "killed by signal \(signal)"
    }
}

/// SIGINT/SIGTERM: kill every child's process group first (they are not in ours, so the terminal's Ctrl-C
/// does not reach them), then exit. Runs on a Dispatch queue rather than the event loop so a wedged loop
/// cannot block shutdown. Kept out of main.swift's top-level code, whose closures would inherit
/// MainActor isolation and trap when Dispatch calls them on another thread. Keep the result alive.
func installTerminationHandlers() -> [any DispatchSourceSignal] {
    [SIGINT, SIGTERM].map { sig in
        signal(sig, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
        source.setEventHandler { @Sendable in
            let groups = runningChildGroups.withLock { $0 }
            for pgid in groups where pgid > 0 { _ = kill(-pgid, SIGKILL) }
            log("signal \(sig): stopping")
            exit(0)
        }
        source.resume()
        return source
    }
}
