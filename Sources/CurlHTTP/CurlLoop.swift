import CCurl
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
// `enqueue`, which wakes the poll. A single loop also lets the Runtime API and upstream
// connections share one connection pool and avoids a thread per stream.

/// The event loop that owns libcurl's multi handle and runs all transfers.
final class CurlLoop: @unchecked Sendable {
    /// The process-wide loop; started on first use.
    static let shared = CurlLoop()

    private let multi: UnsafeMutableRawPointer
    private let jobs = Mutex<[Job]>([])
    /// The loop thread, once it runs (for `enqueue` to skip the wake-up when the loop enqueues to itself).
    private nonisolated(unsafe) var loopThread: pthread_t?

    private enum Job {
        case closure(@Sendable () -> Void)
        case task(UnownedJob)
    }
    /// When the sleeping loop will wake at the latest (ms, `nowMs` clock); 0 while it is busy. Lets a reader
    /// that sets a deadline skip the wake-up when the loop will look at deadlines before it passes anyway.
    private let plannedWakeMs = Atomic<UInt64>(0)

    // Loop-thread-only state.
    private var transfers: [UnsafeMutableRawPointer: HTTPTransfer] = [:]
    private var timers: [(deadline: UInt64, id: UInt64, action: () -> Void)] = []
    private var nextTimerID: UInt64 = 1

    private init() {
        curl_global_init(AS_CURL_GLOBAL_DEFAULT)
        guard let m = curl_multi_init() else {
            fatalError("curl_multi_init failed: out of memory")
        }
        multi = m
        let box = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { arg in
            guard let arg else { return nil }
            let loop = Unmanaged<CurlLoop>.fromOpaque(arg).takeRetainedValue()
            loop.run()
            return nil
        }, box)
        precondition(rc == 0, "cannot start the curl loop thread (errno \(rc))")
        pthread_detach(thread)
    }

    /// Runs `job` on the loop thread as soon as possible.
    func enqueue(_ job: @escaping @Sendable () -> Void) {
        jobs.withLock { $0.append(.closure(job)) }
        wakeUnlessLoopThread()
    }

    /// True on the loop thread itself.
    var isLoopThread: Bool {
        guard let loopThread else { return false }
        return pthread_equal(pthread_self(), loopThread) != 0
    }

    /// The loop runs its job list before it polls again, so only other threads need to interrupt the poll.
    private func wakeUnlessLoopThread() {
        if !isLoopThread { curl_multi_wakeup(multi) }
    }

    /// A reader now waits until `deadlineMs`: wake the loop only if it would sleep past it (any thread).
    func noteDeadline(_ deadlineMs: UInt64) {
        let planned = plannedWakeMs.load(ordering: .sequentiallyConsistent)
        if planned == 0 || deadlineMs < planned { curl_multi_wakeup(multi) }
    }

    /// Milliseconds on a monotonic clock.
    static func nowMs() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1000 + UInt64(ts.tv_nsec) / 1_000_000
    }

    // MARK: loop-thread API

    func add(_ transfer: HTTPTransfer, easy: UnsafeMutableRawPointer) {
        transfers[easy] = transfer
        let rc = curl_multi_add_handle(multi, easy)
        if rc != CURLM_OK {
            transfers[easy] = nil
            transfer.loopCompleted(code: CURLE_FAILED_INIT, message: String(cString: curl_multi_strerror(rc)))
        }
    }

    func remove(easy: UnsafeMutableRawPointer) {
        curl_multi_remove_handle(multi, easy)
        transfers[easy] = nil
    }

    @discardableResult
    func addTimer(afterMs ms: UInt64, _ action: @escaping () -> Void) -> UInt64 {
        let id = nextTimerID
        nextTimerID += 1
        timers.append((Self.nowMs() + ms, id, action))
        return id
    }

    func cancelTimer(_ id: UInt64) {
        timers.removeAll { $0.id == id }
    }

    // MARK: the loop

    private func run() {
        var running: Int32 = 0
        var pending: [Job] = []
        loopThread = pthread_self()
        let executor = asUnownedTaskExecutor()
        while true {
            plannedWakeMs.store(0, ordering: .sequentiallyConsistent)
            // Swap the job list with the (empty, already allocated) local one: no allocation per iteration.
            jobs.withLock { list in swap(&list, &pending) }
            for job in pending {
                switch job {
                case .closure(let run): run()
                case .task(let task): task.runSynchronously(on: executor)
                }
            }
            pending.removeAll(keepingCapacity: true)

            curl_multi_perform(multi, &running)
            drainMessages()
            fireTimers()
            let now = Self.nowMs()
            var soonest = UInt64.max
            for transfer in transfers.values {
                soonest = min(soonest, transfer.loopReaderDeadline(now: now))
            }

            var timeout: Int = -1
            curl_multi_timeout(multi, &timeout)
            if timeout < 0 || timeout > 1000 { timeout = 1000 }
            for timer in timers { soonest = min(soonest, timer.deadline) }
            if soonest != .max {
                timeout = min(timeout, soonest > now ? Int(soonest - now) : 0)
            }
            if timeout > 0 {
                plannedWakeMs.store(now + UInt64(timeout), ordering: .sequentiallyConsistent)
                if jobs.withLock({ !$0.isEmpty }) { continue }
                var numfds: Int32 = 0
                curl_multi_poll(multi, nil, 0, Int32(timeout), &numfds)
            }
        }
    }

    private func fireTimers() {
        guard !timers.isEmpty else { return }
        let now = Self.nowMs()
        let due = timers.filter { $0.deadline <= now }
        guard !due.isEmpty else { return }
        timers.removeAll { $0.deadline <= now }
        for timer in due { timer.action() }
    }

    private func drainMessages() {
        var left: Int32 = 0
        while let msg = curl_multi_info_read(multi, &left) {
            guard msg.pointee.msg == CURLMSG_DONE, let easy = msg.pointee.easy_handle else { continue }
            let code = msg.pointee.data.result
            let raw = easy
            guard let transfer = transfers[raw] else { continue }
            remove(easy: raw)
            transfer.loopCompleted(code: code, message: nil)
        }
    }
}

/// The loop is also a task executor: an invocation run with `withTaskExecutorPreference(HTTPClient.taskExecutor)`
/// executes on the loop thread, so a body chunk read by a curl callback is relayed and queued for the Runtime
/// API in the same thread, with no hop to the global executor and back (two futex/eventfd wake-ups per frame).
extension CurlLoop: TaskExecutor {
    func enqueue(_ job: consuming ExecutorJob) {
        let task = UnownedJob(job)
        jobs.withLock { $0.append(.task(task)) }
        wakeUnlessLoopThread()
    }
}
