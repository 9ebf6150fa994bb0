import CCurl
import Primitives
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// One thread drives every transfer through a single curl multi handle. libcurl handles are not
// thread-safe, so everything that touches them runs here; other threads hand work over through
// `enqueue`, which wakes the poll. A single loop also lets the Runtime API and upstream connections
// share one connection pool, and it is the task executor invocations run on, so an upstream byte is
// relayed to the Runtime API without a thread hop.

/// The event loop that owns libcurl's multi handle and runs all transfers.
///
/// `@unchecked Sendable`: the mutable fields below the "loop thread only" mark are touched only on the loop
/// thread (checked by `assertOnLoopThread`); everything shared is a `Locked` or an `Atomic`.
final class CurlLoop: @unchecked Sendable {
    /// The process-wide loop. It runs on a thread of its own, started on first use, unless the process
    /// hands it its main thread first (`runOnCurrentThread`).
    static let shared = CurlLoop()

    private let multi: UnsafeMutableRawPointer
    private let jobs = Locked<[Job]>([])
    /// 0 while nobody runs the loop, then the id of the thread that does.
    private let loopThread = Atomic<UInt>(0)
    /// When the sleeping loop will wake at the latest (monotonic ns); 0 while it is busy. Lets a reader that sets
    /// a deadline skip the wake-up when the loop will look at deadlines before it passes anyway.
    private let plannedWakeNs = Atomic<UInt64>(0)
    /// No transfer has a reader or head deadline earlier than this (monotonic ns; `.max`: none known). Whoever
    /// sets a deadline lowers it; only the loop's scan, which runs when it passes, raises it again. So the loop
    /// reads one atomic per iteration instead of visiting every open transfer.
    private let earliestDeadlineNs = Atomic<UInt64>(.max)

    private enum Job {
        case closure(@Sendable () -> Void)
        case task(UnownedJob)
    }

    #if os(Linux)
    /// The loop waits in epoll for the sockets libcurl asks it to watch (`curl_multi_socket_action`), so the work
    /// per network event does not grow with the number of open transfers (`curl_multi_perform` visits all of them).
    private let epollFD: Int32
    /// Written by other threads to interrupt `epoll_wait`.
    private let wakeFD: Int32
    /// libcurl's own timer (monotonic ns), set through its timer callback; nil when it has none.
    private var curlTimerNs: UInt64?
    /// Sockets currently registered with epoll.
    private var watched: Set<Int32> = []
    #endif

    // Loop thread only.
    private var transfers: [UnsafeMutableRawPointer: CurlTransfer] = [:]
    /// The same transfers in an array for the deadline scan, unretained (`transfers` keeps them alive): a scan
    /// over hundreds of streams each iteration must not pay a retain and a release per transfer.
    private var active: [Unmanaged<CurlTransfer>] = []
    private var timers: [(deadline: UInt64, id: UInt64, action: () -> Void)] = []
    private var nextTimerID: UInt64 = 1

    private init() {
        curl_global_init(AS_CURL_GLOBAL_DEFAULT)
        guard let m = curl_multi_init() else {
            fatalError("curl_multi_init failed: out of memory")
        }
        multi = m
        #if os(Linux)
        epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        wakeFD = eventfd(0, Int32(EFD_NONBLOCK) | Int32(EFD_CLOEXEC))
        precondition(epollFD >= 0 && wakeFD >= 0, "cannot create the curl loop's epoll/eventfd (errno \(errno))")
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.fd = wakeFD
        epoll_ctl(epollFD, EPOLL_CTL_ADD, wakeFD, &event)
        // The loop lives as long as the process, so libcurl may hold an unretained pointer to it.
        let me = Unmanaged.passUnretained(self).toOpaque()
        as_multi_setopt_socketcb(multi, curlSocketCallback)
        as_multi_setopt_ptr(multi, CURLMOPT_SOCKETDATA, me)
        as_multi_setopt_timercb(multi, curlTimerCallback)
        as_multi_setopt_ptr(multi, CURLMOPT_TIMERDATA, me)
        #endif
    }

    // MARK: any thread

    /// Runs `job` on the loop thread as soon as possible.
    func enqueue(_ job: @escaping @Sendable () -> Void) {
        jobs.withLock { $0.append(.closure(job)) }
        wake()
    }

    /// True on the loop thread itself.
    var isLoopThread: Bool { loopThread.load(ordering: .acquiring) == Self.currentThreadID() }

    /// Stops the process when called off the loop thread: libcurl handles and the loop's own state are not
    /// thread-safe, so a caller on the wrong thread is a bug to find at once, not a race to debug later.
    func assertOnLoopThread(_ what: @autoclosure () -> String = "", file: StaticString = #fileID, line: UInt = #line) {
        precondition(isLoopThread, "must run on the curl loop thread \(what())", file: file, line: line)
    }

    /// A transfer now has a deadline at `deadlineNs`: the loop learns of it, and is woken only if it would sleep
    /// past it (any thread).
    func noteDeadline(_ deadlineNs: UInt64) {
        lowerEarliestDeadline(to: deadlineNs)
        guard !isLoopThread else { return }  // the loop looks at the deadlines before it waits again
        let planned = plannedWakeNs.load(ordering: .sequentiallyConsistent)
        if planned == 0 || deadlineNs < planned { interruptWait() }
    }

    private func lowerEarliestDeadline(to deadlineNs: UInt64) {
        var current = earliestDeadlineNs.load(ordering: .acquiring)
        while deadlineNs < current {
            let (exchanged, original) = earliestDeadlineNs.compareExchange(
                expected: current, desired: deadlineNs, ordering: .acquiringAndReleasing)
            if exchanged { return }
            current = original
        }
    }

    /// Ends the loop's wait for the network at once (any thread).
    private func interruptWait() {
        #if os(Linux)
        var one: UInt64 = 1
        _ = write(wakeFD, &one, 8)
        #else
        curl_multi_wakeup(multi)
        #endif
    }

    /// Sets libcurl's connection cache size: every concurrent `/next`, response and upstream call may want a
    /// connection of its own, and a cache smaller than that closes and reopens connections under load.
    func setMaxConnections(_ count: Int) {
        enqueue { [self] in _ = as_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, count) }
    }

    /// Makes the calling thread the loop thread and runs the loop forever, after `start` (on the loop thread).
    /// A process that calls this from `main` starts no thread of its own before its first request.
    func runOnCurrentThread(_ start: @escaping @Sendable () -> Void) -> Never {
        let claimed = loopThread.compareExchange(expected: 0, desired: Self.currentThreadID(), ordering: .acquiringAndReleasing)
        precondition(claimed.exchanged, "the curl loop already runs on another thread")
        enqueue(start)
        run()
    }

    private func wake() {
        let owner = loopThread.load(ordering: .acquiring)
        if owner == 0 {
            startThread()
        } else if owner != Self.currentThreadID() {
            // The loop runs its job list before it waits again, so only other threads need to interrupt the wait.
            interruptWait()
        }
    }

    /// Starts the loop on a thread of its own (first use in a process that did not lend its main thread).
    private func startThread() {
        final class Box: @unchecked Sendable {  // handed to pthread_create once; read by the new thread only
            let loop: CurlLoop
            init(_ loop: CurlLoop) { self.loop = loop }
        }
        // Claim the loop with a placeholder so concurrent first uses start one thread, not several.
        let placeholder: UInt = .max
        guard loopThread.compareExchange(expected: 0, desired: placeholder, ordering: .acquiringAndReleasing).exchanged else {
            interruptWait()
            return
        }
        let box = Unmanaged.passRetained(Box(self)).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { arg in
            guard let arg else { return nil }
            let loop = Unmanaged<Box>.fromOpaque(arg).takeRetainedValue().loop
            loop.loopThread.store(CurlLoop.currentThreadID(), ordering: .releasing)
            loop.run()
        }, box)
        precondition(rc == 0, "cannot start the curl loop thread (errno \(rc))")
        pthread_detach(thread)
    }

    static func currentThreadID() -> UInt {
        #if canImport(Darwin)
        UInt(bitPattern: pthread_self())
        #else
        UInt(pthread_self())
        #endif
    }

    // MARK: loop thread

    func add(_ transfer: CurlTransfer, easy: UnsafeMutableRawPointer) {
        assertOnLoopThread()
        transfers[easy] = transfer
        transfer.activeIndex = active.count
        active.append(Unmanaged.passUnretained(transfer))
        let deadline = transfer.nextDeadline
        if deadline != .max { lowerEarliestDeadline(to: deadline) }
        let rc = curl_multi_add_handle(multi, easy)
        if rc != CURLM_OK {
            forget(easy)
            transfer.loopCompleted(code: CURLE_FAILED_INIT, message: String(cString: curl_multi_strerror(rc)))
        }
    }

    func remove(easy: UnsafeMutableRawPointer) {
        assertOnLoopThread()
        curl_multi_remove_handle(multi, easy)
        forget(easy)
    }

    private func forget(_ easy: UnsafeMutableRawPointer) {
        guard let transfer = transfers.removeValue(forKey: easy) else { return }
        let i = transfer.activeIndex
        guard i >= 0, i < active.count else { return }
        let last = active.removeLast()
        if i < active.count {
            active[i] = last
            last._withUnsafeGuaranteedRef { $0.activeIndex = i }
        }
        transfer.activeIndex = -1
    }

    @discardableResult
    func addTimer(at deadlineNs: UInt64, _ action: @escaping () -> Void) -> UInt64 {
        assertOnLoopThread()
        let id = nextTimerID
        nextTimerID += 1
        timers.append((deadlineNs, id, action))
        return id
    }

    func cancelTimer(_ id: UInt64) {
        assertOnLoopThread()
        timers.removeAll { $0.id == id }
    }

    private func run() -> Never {
        var pending: [Job] = []
        let executor = asUnownedTaskExecutor()
        while true {
            plannedWakeNs.store(0, ordering: .sequentiallyConsistent)
            // Swap the job list with the (empty, already allocated) local one: no allocation per iteration.
            jobs.withLock { list in swap(&list, &pending) }
            for job in pending {
                switch job {
                case .closure(let run): run()
                case .task(let task): task.runSynchronously(on: executor)
                }
            }
            pending.removeAll(keepingCapacity: true)

            // Deadlines first: a reader whose deadline passed while the thread was busy (or descheduled) learns
            // of it before bytes that arrived later, so waits end in the order they were due.
            let now = MonotonicClock.now.nanoseconds
            fireTimers(now: now)
            if earliestDeadlineNs.load(ordering: .acquiring) <= now { scanDeadlines(now: now) }
            var soonest = earliestDeadlineNs.load(ordering: .acquiring)
            for timer in timers { soonest = min(soonest, timer.deadline) }

            var timeoutMs = waitForNetwork(now: now, soonest: soonest, hasJobs: jobs.withLock { !$0.isEmpty })
            if timeoutMs > 0 {
                plannedWakeNs.store(now + UInt64(timeoutMs) * 1_000_000, ordering: .sequentiallyConsistent)
                // A job queued after the check above interrupts the wait (`interruptWait`).
                if jobs.withLock({ !$0.isEmpty }) { timeoutMs = 0 }
            }
            dispatchNetwork(timeoutMs: timeoutMs)
        }
    }

    /// Ends the waits whose deadline passed and recomputes the earliest one left. Runs only when one is due.
    private func scanDeadlines(now: UInt64) {
        // Reset first: a deadline set while the scan runs lowers it again and is not lost.
        earliestDeadlineNs.store(.max, ordering: .releasing)
        var soonest = UInt64.max
        var due: [CurlTransfer] = []
        for transfer in active {
            let next = transfer._withUnsafeGuaranteedRef { $0.nextDeadline }
            if next <= now { due.append(transfer.takeUnretainedValue()) } else { soonest = min(soonest, next) }
        }
        for transfer in due { soonest = min(soonest, transfer.loopCheckDeadlines(now: now)) }
        if soonest != .max { lowerEarliestDeadline(to: soonest) }
    }

    /// Runs libcurl's due timer and says how long the loop may wait for the network (ms, at most 1 s).
    private func waitForNetwork(now: UInt64, soonest: UInt64, hasJobs: Bool) -> Int {
        var soonest = soonest
        #if os(Linux)
        if let due = curlTimerNs, due <= now {
            curlTimerNs = nil
            socketAction(AS_CURL_SOCKET_TIMEOUT, 0)
        }
        if let due = curlTimerNs { soonest = min(soonest, due) }
        var timeout = 1000
        #else
        var running: Int32 = 0
        curl_multi_perform(multi, &running)
        drainMessages()
        var timeout: Int = -1
        curl_multi_timeout(multi, &timeout)
        if timeout < 0 || timeout > 1000 { timeout = 1000 }
        #endif
        if hasJobs { return 0 }
        if soonest != .max {
            timeout = min(timeout, soonest > now ? Int((soonest - now + 999_999) / 1_000_000) : 0)
        }
        return timeout
    }

    /// Waits up to `timeoutMs` for the network (or a wake-up) and lets libcurl act on what is ready.
    private func dispatchNetwork(timeoutMs: Int) {
        #if os(Linux)
        let ready = epoll_wait(epollFD, &readyEvents, Int32(readyEvents.count), Int32(timeoutMs))
        guard ready > 0 else { return }
        for i in 0..<Int(ready) {
            let event = readyEvents[i]
            let fd = event.data.fd
            if fd == wakeFD {
                var count: UInt64 = 0
                _ = read(wakeFD, &count, 8)
                continue
            }
            var flags: Int32 = 0
            if event.events & EPOLLIN.rawValue != 0 { flags |= AS_CURL_CSELECT_IN }
            if event.events & EPOLLOUT.rawValue != 0 { flags |= AS_CURL_CSELECT_OUT }
            if event.events & (EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0 { flags |= AS_CURL_CSELECT_ERR }
            socketAction(fd, flags)
        }
        #else
        guard timeoutMs > 0 else { return }
        var numfds: Int32 = 0
        curl_multi_poll(multi, nil, 0, Int32(timeoutMs), &numfds)
        #endif
    }

    #if os(Linux)
    private var readyEvents = [epoll_event](repeating: epoll_event(), count: 256)

    private func socketAction(_ socket: curl_socket_t, _ flags: Int32) {
        var running: Int32 = 0
        curl_multi_socket_action(multi, socket, flags, &running)
        drainMessages()
    }

    /// libcurl asks to watch `socket` for `what` (`CURL_POLL_IN`/`OUT`/`INOUT`), or to stop (`CURL_POLL_REMOVE`).
    fileprivate func watch(_ socket: curl_socket_t, what: Int32) {
        if what == AS_CURL_POLL_REMOVE {
            if watched.remove(socket) != nil { epoll_ctl(epollFD, EPOLL_CTL_DEL, socket, nil) }
            return
        }
        var event = epoll_event()
        if what & AS_CURL_POLL_IN != 0 { event.events |= EPOLLIN.rawValue }
        if what & AS_CURL_POLL_OUT != 0 { event.events |= EPOLLOUT.rawValue }
        event.data.fd = socket
        let operation = watched.insert(socket).inserted ? EPOLL_CTL_ADD : EPOLL_CTL_MOD
        if epoll_ctl(epollFD, operation, socket, &event) != 0, errno == EEXIST {
            epoll_ctl(epollFD, EPOLL_CTL_MOD, socket, &event)
        }
    }

    /// libcurl's timer: `ms` from now (0 = at once), or -1 for none.
    fileprivate func setCurlTimer(ms: Int) {
        curlTimerNs = ms < 0 ? nil : MonotonicClock.now.nanoseconds + UInt64(ms) * 1_000_000
    }
    #endif

    private func fireTimers(now: UInt64) {
        guard !timers.isEmpty, timers.contains(where: { $0.deadline <= now }) else { return }
        let due = timers.filter { $0.deadline <= now }
        timers.removeAll { $0.deadline <= now }
        for timer in due { timer.action() }
    }

    private func drainMessages() {
        var left: Int32 = 0
        while let msg = curl_multi_info_read(multi, &left) {
            guard msg.pointee.msg == CURLMSG_DONE, let easy = msg.pointee.easy_handle else { continue }
            let code = msg.pointee.data.result
            guard let transfer = transfers[easy] else { continue }
            remove(easy: easy)
            transfer.loopCompleted(code: code, message: nil)
        }
    }
}

/// The loop is also a task executor: an invocation run with `withTaskExecutorPreference(CurlClient.taskExecutor)`
/// executes on the loop thread, so a body chunk read by a curl callback is relayed and queued for the Runtime
/// API in the same thread, with no hop to the global executor and back (two futex/eventfd wake-ups per frame).
#if os(Linux)
// libcurl's socket and timer callbacks: called on the loop thread from inside curl calls, so they only record.

private let curlSocketCallback: curl_socket_callback = { _, socket, what, userp, _ in
    guard let userp else { return 0 }
    Unmanaged<CurlLoop>.fromOpaque(userp).takeUnretainedValue().watch(socket, what: what)
    return 0
}

private let curlTimerCallback: curl_multi_timer_callback = { _, ms, userp in
    guard let userp else { return 0 }
    Unmanaged<CurlLoop>.fromOpaque(userp).takeUnretainedValue().setCurlTimer(ms: ms)
    return 0
}
#endif

extension CurlLoop: TaskExecutor {
    func enqueue(_ job: consuming ExecutorJob) {
        let task = UnownedJob(job)
        jobs.withLock { $0.append(.task(task)) }
        wake()
    }
}
