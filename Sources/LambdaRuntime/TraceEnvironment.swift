#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Exports `_X_AMZN_TRACE_ID` without leaking: glibc's `setenv` keeps every value it was ever given
/// (callers may still hold old `getenv` pointers), so a unique trace id per invocation would grow the
/// heap by ~100 bytes each time. Instead one buffer we own is `putenv`ed and rewritten in place.
enum TraceEnvironment {
    private static let name = Array("_X_AMZN_TRACE_ID=".utf8)
    private static let capacity = 512
    /// Allocated once and never freed: `environ` may point at it.
    private nonisolated(unsafe) static let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: capacity)

    /// Sets or removes the variable for the invocation about to run (runtime loop only).
    static func export(_ trace: String?) {
        guard let trace else {
            unsetenv("_X_AMZN_TRACE_ID")
            return
        }
        let value = Array(trace.utf8)
        guard name.count + value.count < capacity, !value.contains(0) else {
            setenv("_X_AMZN_TRACE_ID", trace, 1)  // unusually long: correctness over a small leak
            return
        }
        for (i, b) in (name + value).enumerated() { buffer[i] = CChar(bitPattern: b) }
        buffer[name.count + value.count] = 0
        // Re-insert only when `environ` no longer points at our buffer (first use, after unset or setenv).
        if getenv("_X_AMZN_TRACE_ID") != buffer + name.count {
            putenv(buffer)
        }
    }
}
