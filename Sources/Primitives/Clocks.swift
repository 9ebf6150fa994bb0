#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `CLOCK_MONOTONIC` as a Swift `Clock`: durations, timeouts and deadlines inside one process.
///
/// Its instants are plain nanosecond counts so the curl loop can compare deadlines without any
/// allocation or locking; it never jumps when the wall clock is set.
public struct MonotonicClock: Clock {
    /// A point on the monotonic clock.
    public struct Instant: InstantProtocol, Hashable, Sendable {
        /// Nanoseconds since an arbitrary, fixed start (boot).
        public let nanoseconds: UInt64

        /// The instant `nanoseconds` after the clock's origin.
        public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

        public func advanced(by duration: Duration) -> Instant {
            let delta = Self.nanoseconds(of: duration)
            if delta >= 0 {
                let (sum, overflow) = nanoseconds.addingReportingOverflow(UInt64(delta))
                return Instant(nanoseconds: overflow ? .max : sum)
            }
            let magnitude = delta.magnitude
            return Instant(nanoseconds: magnitude > nanoseconds ? 0 : nanoseconds - magnitude)
        }

        public func duration(to other: Instant) -> Duration {
            if other.nanoseconds >= nanoseconds {
                return .nanoseconds(Int64(clamping: other.nanoseconds - nanoseconds))
            }
            return .nanoseconds(-Int64(clamping: nanoseconds - other.nanoseconds))
        }

        public static func < (a: Instant, b: Instant) -> Bool { a.nanoseconds < b.nanoseconds }

        /// This instant `ms` milliseconds later (negative values go back; saturates instead of trapping).
        public func advanced(byMilliseconds ms: Int64) -> Instant {
            advanced(by: .milliseconds(ms))
        }

        /// Whole milliseconds from `self` to `later` (negative when `later` is earlier).
        public func milliseconds(to later: Instant) -> Int64 {
            if later.nanoseconds >= nanoseconds { return Int64(clamping: (later.nanoseconds - nanoseconds) / 1_000_000) }
            return -Int64(clamping: (nanoseconds - later.nanoseconds) / 1_000_000)
        }

        private static func nanoseconds(of duration: Duration) -> Int64 {
            let (seconds, attoseconds) = duration.components
            let (ns, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
            if overflow { return seconds < 0 ? .min : .max }
            let (sum, overflow2) = ns.addingReportingOverflow(attoseconds / 1_000_000_000)
            if overflow2 { return seconds < 0 ? .min : .max }
            return sum
        }
    }

    /// The clock; it has no state.
    public init() {}

    /// The current instant.
    public static var now: Instant {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Instant(nanoseconds: UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec))
    }

    public var now: Instant { Self.now }

    public var minimumResolution: Duration { .nanoseconds(1) }

    /// Sleeps with the standard library's timer. Not for the curl thread's hot paths: those wait on
    /// transfers with deadlines instead (`CurlTransfer.next(until:)`), which costs no timer object.
    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        let remaining = Self.now.duration(to: deadline)
        if remaining > .zero { try await Task.sleep(for: remaining, tolerance: tolerance) }
    }
}

/// The wall clock, for timestamps that leave the process (logs, frames, Lambda deadlines).
public enum WallClock {
    /// Milliseconds since the Unix epoch.
    public static func epochMs() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}
