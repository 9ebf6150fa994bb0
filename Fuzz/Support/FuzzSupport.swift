// Shared pieces of the libFuzzer targets. Inputs stay plain examples of the format under test (an SSE stream,
// an event, a token), so seeds are readable and real recordings work as seeds; the choices a target needs
// beyond the bytes (where to cut the stream, which limit) come from a hash of the input, so each input still
// replays exactly.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The input handed to `LLVMFuzzerTestOneInput` as an array (libFuzzer may pass a null pointer for size 0).
public func fuzzBytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
    guard let data, size > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: size))
}

/// Stops the process when an invariant does not hold: libFuzzer records the input as a crash. The message
/// goes to stderr first so the report says which invariant broke, not only where.
public func require(_ condition: Bool, _ message: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line) {
    if condition { return }
    let text = "invariant violated at \(file):\(line): \(message())\n"
    _ = text.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
    abort()
}

/// A deterministic pseudo-random sequence seeded from the input (FNV-1a, then SplitMix64).
public struct InputRandom {
    private var state: UInt64

    /// A sequence seeded from `bytes` and `salt`.
    public init(_ bytes: [UInt8], salt: UInt64 = 0) {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ salt
        for b in bytes {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01b3
        }
        state = h
    }

    /// The next 64 bits.
    public mutating func next() -> UInt64 {
        state = state &+ 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// A number in `range` (slightly biased; fine for choosing cuts).
    public mutating func int(in range: ClosedRange<Int>) -> Int {
        let span = UInt64(range.upperBound - range.lowerBound) + 1
        return range.lowerBound + Int(next() % span)
    }
}

/// How a stream is cut into reads.
public enum Splitting: CaseIterable, Sendable {
    /// One read with everything.
    case whole
    /// One byte per read: every boundary is a read boundary.
    case bytewise
    /// Reads of pseudo-random lengths (1 to 17 bytes, sometimes an empty read).
    case random
}

/// `bytes` cut into reads as `splitting` says.
public func reads(of bytes: [UInt8], _ splitting: Splitting, seed: UInt64 = 0) -> [[UInt8]] {
    switch splitting {
    case .whole:
        return [bytes]
    case .bytewise:
        return bytes.map { [$0] }
    case .random:
        var rng = InputRandom(bytes, salt: seed)
        var out: [[UInt8]] = []
        var i = 0
        while i < bytes.count {
            if rng.int(in: 0...15) == 0 { out.append([]) }
            let n = min(rng.int(in: 1...17), bytes.count - i)
            out.append(Array(bytes[i..<(i + n)]))
            i += n
        }
        return out
    }
}

/// Lines of `bytes` split after each LF (the LF kept), the last one possibly without.
public func linesKeepingLF(_ bytes: [UInt8]) -> [[UInt8]] {
    var out: [[UInt8]] = []
    var start = 0
    for (i, b) in bytes.enumerated() where b == 0x0A {
        out.append(Array(bytes[start...i]))
        start = i + 1
    }
    if start < bytes.count { out.append(Array(bytes[start...])) }
    return out
}

/// Printable form of bytes for invariant messages (at most `limit` bytes shown).
public func show(_ bytes: [UInt8], limit: Int = 200) -> String {
    var s = ""
    for b in bytes.prefix(limit) {
        switch b {
        case 0x20..<0x7F where b != UInt8(ascii: "\\"): s.unicodeScalars.append(Unicode.Scalar(b))
        case 0x0A: s += "\\n"
        case 0x0D: s += "\\r"
        default: s += "\\x" + String(b, radix: 16)
        }
    }
    return bytes.count > limit ? s + "…(\(bytes.count) bytes)" : s
}

/// The WHATWG event-stream rules for the one field we read, written for clarity: a leading BOM dropped,
/// lines ended by CRLF, CR or LF, `data` values joined with LF, one space after the colon dropped, a blank line
/// dispatching. As the parser documents, the end of the stream dispatches a pending event. Events are
/// delivered in order until the first one whose data exceeds `limit`.
public func referenceSSEEvents(_ input: [UInt8], limit: Int) -> (events: [[UInt8]], overflowed: Bool) {
    var bytes = input[...]
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
    var lines: [ArraySlice<UInt8>] = []
    var start = bytes.startIndex
    var i = bytes.startIndex
    while i < bytes.endIndex {
        if bytes[i] == 0x0A || bytes[i] == 0x0D {
            lines.append(bytes[start..<i])
            if bytes[i] == 0x0D, i + 1 < bytes.endIndex, bytes[i + 1] == 0x0A { i += 1 }
            start = i + 1
        }
        i += 1
    }
    let unterminated: ArraySlice<UInt8>? = start < bytes.endIndex ? bytes[start...] : nil

    var all: [[UInt8]] = []
    var data: [UInt8] = []
    var hasData = false
    func field(_ line: ArraySlice<UInt8>) {
        guard line.first != UInt8(ascii: ":") else { return }
        let colon = line.firstIndex(of: UInt8(ascii: ":"))
        let name = line[..<(colon ?? line.endIndex)]
        guard name.elementsEqual("data".utf8) else { return }
        var value = colon.map { line[(line.index(after: $0))...] } ?? []
        if value.first == 0x20 { value = value.dropFirst() }
        if hasData { data.append(0x0A) }
        data += value
        hasData = true
    }
    for line in lines {
        if line.isEmpty {
            if hasData { all.append(data) }
            data = []
            hasData = false
        } else {
            field(line)
        }
    }
    if let unterminated { field(unterminated) }
    if hasData { all.append(data) }

    var events: [[UInt8]] = []
    for e in all {
        if e.count > limit { return (events, true) }
        events.append(e)
    }
    return (events, false)
}
