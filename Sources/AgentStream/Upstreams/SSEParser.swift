/// An incremental Server-Sent Events parser (WHATWG event-stream rules) for upstream responses.
///
/// Feed it bytes as they arrive, in any split; it returns the `data` of each complete event. It handles CRLF,
/// CR and LF line ends, a leading byte-order mark, multi-line `data:` (joined with LF), comments and other
/// fields (ignored). `finish()` flushes a last event that had no blank line.
///
/// Memory stays within one event plus a few bytes: the value of a `data:` line is appended straight to the
/// event as it arrives (a line split across reads is not staged first), comments and other fields are skipped
/// without being stored, and an event larger than `maxEventBytes` is dropped and reported (`overflowed`).
public struct SSEParser: Sendable {
    private enum LineMode {
        /// At the start of a line; its first bytes are in `lineStart` until the field is known.
        case start
        /// In the value of a `data` line; `skipSpace` drops the one optional space after the colon.
        case data(skipSpace: Bool)
        /// In a comment or a field we ignore.
        case skip
    }

    /// Largest event accepted.
    public let maxEventBytes: Int
    /// True once an event exceeded `maxEventBytes`; the parser then ignores everything else.
    public private(set) var overflowed = false

    private var data: [UInt8] = []
    private var hasData = false
    private var mode = LineMode.start
    private var lineStart: [UInt8] = []
    private var lastWasCR = false
    private var atStreamStart = true

    /// A parser refusing events over `maxEventBytes` (default: no practical limit).
    public init(maxEventBytes: Int = .max) {
        self.maxEventBytes = maxEventBytes
        lineStart.reserveCapacity(8)
    }

    /// Consumes `bytes`; returns the data payloads of events completed by them.
    public mutating func feed(_ bytes: some Collection<UInt8>) -> [[UInt8]] {
        var events: [[UInt8]] = []
        if bytes.withContiguousStorageIfAvailable({ feed(buffer: $0, into: &events) }) == nil {
            Array(bytes).withUnsafeBufferPointer { feed(buffer: $0, into: &events) }
        }
        return events
    }

    /// Ends the stream: returns the pending event, if any, as a final payload.
    public mutating func finish() -> [[UInt8]] {
        var events: [[UInt8]] = []
        guard !overflowed else { return events }
        endLine(into: &events, dispatching: false)
        if hasData { events.append(data) }
        data = []
        hasData = false
        return events
    }

    private mutating func feed(buffer: UnsafeBufferPointer<UInt8>, into events: inout [[UInt8]]) {
        guard !overflowed else { return }
        var i = 0
        let n = buffer.count
        if lastWasCR, n > 0 {
            lastWasCR = false
            if buffer[0] == 0x0A { i = 1 }  // the LF of a CRLF pair
        }
        while i < n {
            var j = i
            while j < n, buffer[j] != 0x0A, buffer[j] != 0x0D { j += 1 }
            take(UnsafeBufferPointer(rebasing: buffer[i..<j]))
            if overflowed { return }
            if j == n { return }
            endLine(into: &events, dispatching: true)
            if buffer[j] == 0x0D {
                if j + 1 < n {
                    i = buffer[j + 1] == 0x0A ? j + 2 : j + 1
                } else {
                    lastWasCR = true
                    i = j + 1
                }
            } else {
                i = j + 1
            }
        }
    }

    /// Consumes the bytes of the current line (no line end among them).
    private mutating func take(_ bytes: UnsafeBufferPointer<UInt8>) {
        var rest = bytes[...]
        if case .start = mode {
            while let b = rest.first, case .start = mode {
                lineStart.append(b)
                rest = rest.dropFirst()
                classifyLineStart()
            }
        }
        switch mode {
        case .start, .skip:
            return
        case .data(let skipSpace):
            guard !overflowed else { return }
            if skipSpace, let first = rest.first {
                if first == UInt8(ascii: " ") { rest = rest.dropFirst() }
                mode = .data(skipSpace: false)
            }
            guard !rest.isEmpty else { return }
            guard data.count + rest.count <= maxEventBytes else {
                overflow()
                return
            }
            data.append(contentsOf: UnsafeBufferPointer(rebasing: rest))
        }
    }

    /// Decides what the line is once its first bytes are known.
    private mutating func classifyLineStart() {
        if atStreamStart {
            // A UTF-8 byte order mark may open the stream.
            let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
            if lineStart.count <= 3, bom.starts(with: lineStart) {
                if lineStart.count == 3 {
                    lineStart.removeAll(keepingCapacity: true)
                    atStreamStart = false
                }
                return
            }
            atStreamStart = false
        }
        let field: [UInt8] = Array("data".utf8)
        if lineStart.first == UInt8(ascii: ":") {
            mode = .skip  // comment
        } else if lineStart.count <= 4 {
            if !field.starts(with: lineStart) { mode = .skip }
        } else if lineStart[4] == UInt8(ascii: ":") {
            beginDataValue()
            mode = .data(skipSpace: true)
        } else {
            mode = .skip  // another field whose name starts with "data"
        }
    }

    private mutating func beginDataValue() {
        if hasData {
            guard data.count < maxEventBytes else {
                overflow()
                return
            }
            data.append(0x0A)
        } else {
            hasData = true
        }
    }

    /// A line ended: a blank line dispatches the event; a bare `data` line adds an empty value.
    private mutating func endLine(into events: inout [[UInt8]], dispatching: Bool) {
        defer {
            mode = .start
            lineStart.removeAll(keepingCapacity: true)
        }
        guard case .start = mode else { return }
        if lineStart.isEmpty {
            guard dispatching else { return }
            if atStreamStart { atStreamStart = false }
            if hasData { events.append(data) }
            data = []
            hasData = false
        } else if lineStart.elementsEqual("data".utf8) {
            beginDataValue()
        }
    }

    private mutating func overflow() {
        overflowed = true
        data = []
        hasData = false
        lineStart = []
    }
}
