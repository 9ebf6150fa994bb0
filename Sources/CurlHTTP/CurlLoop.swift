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

    private enum Job {
        case closure(@Sendable () -> Void)
        case task(UnownedJob)
    }

    // Loop thread only.
    private var transfers: [UnsafeMutableRawPointer: CurlTransfer] = [:]
    private var timers: [(deadline: UInt64, id: UInt64, action: () -> Void)] = []
    private var nextTimerID: UInt64 = 1

    private init() {
        curl_global_init(AS_CURL_GLOBAL_DEFAULT)
        guard let m = curl_multi_init() else {
            fatalError("curl_multi_init failed: out of memory")
        }
        multi = m
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

    /// A reader now waits until `deadlineNs`: wake the loop only if it would sleep past it.
    func noteDeadline(_ deadlineNs: UInt64) {
        let planned = plannedWakeNs.load(ordering: .sequentiallyConsistent)
        if planned == 0 || deadlineNs < planned { curl_multi_wakeup(multi) }
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
            // The loop runs its job list before it polls again, so only other threads need to interrupt the poll.
            curl_multi_wakeup(multi)
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
            curl_multi_wakeup(multi)
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
        let rc = curl_multi_add_handle(multi, easy)
        if rc != CURLM_OK {
            transfers[easy] = nil
            transfer.loopCompleted(code: CURLE_FAILED_INIT, message: String(cString: curl_multi_strerror(rc)))
        }
    }

    func remove(easy: UnsafeMutableRawPointer) {
        assertOnLoopThread()
        curl_multi_remove_handle(multi, easy)
        transfers[easy] = nil
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
        var running: Int32 = 0
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
            // of it before bytes that arrived later, so waits end in the order they were due. An atomic load per
            // transfer when nothing is due keeps the scan cheap with hundreds of open streams.
            let now = MonotonicClock.now.nanoseconds
            fireTimers(now: now)
            var soonest = UInt64.max
            for transfer in transfers.values {
                soonest = min(soonest, transfer.loopCheckDeadlines(now: now))
            }
            for timer in timers { soonest = min(soonest, timer.deadline) }

            curl_multi_perform(multi, &running)
            drainMessages()

            var timeout: Int = -1
            curl_multi_timeout(multi, &timeout)
            if timeout < 0 || timeout > 1000 { timeout = 1000 }
            if soonest != .max {
                let untilMs = soonest > now ? Int((soonest - now + 999_999) / 1_000_000) : 0
                timeout = min(timeout, untilMs)
            }
            if timeout > 0 {
                plannedWakeNs.store(now + UInt64(timeout) * 1_000_000, ordering: .sequentiallyConsistent)
                if jobs.withLock({ !$0.isEmpty }) { continue }
                var numfds: Int32 = 0
                curl_multi_poll(multi, nil, 0, Int32(timeout), &numfds)
            }
        }
    }

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
extension CurlLoop: TaskExecutor {
    func enqueue(_ job: consuming ExecutorJob) {
        let task = UnownedJob(job)
        jobs.withLock { $0.append(.task(task)) }
        wake()
    }
}
