#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A value that is only read or changed while holding a pthread mutex; the shape of `Synchronization.Mutex`.
///
/// Not `Mutex` itself: on Linux that takes a futex directly, which ThreadSanitizer cannot see (it intercepts
/// `pthread_mutex_*`), so `make test-tsan` reported every access to locked state as a data race and a real race
/// in the same state could not be told apart. The price: an uncontended lock and unlock cost a few dozen
/// instructions more than the futex (bench/OPTIMISATIONS.md §10).
public final class Locked<Value>: @unchecked Sendable {
    // @unchecked: `value` is touched only between lock and unlock of `mutex`, whose address never moves.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var value: Value

    /// A lock guarding `initialValue`.
    public init(_ initialValue: consuming sending Value) {
        value = initialValue
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    /// Runs `body` with exclusive access to the value.
    public func withLock<Result, E: Error>(_ body: (inout sending Value) throws(E) -> sending Result) throws(E) -> sending Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
