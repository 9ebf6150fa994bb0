/// An incremental Server-Sent Events parser (WHATWG event-stream rules) for upstream responses.
///
/// Feed it bytes as they arrive, in any split; it returns the `data` of each complete event. It handles CRLF,
/// CR and LF line ends, a leading byte-order mark, multi-line `data:` (joined with LF), comments and other
/// fields (ignored). `finish()` flushes a last event that had no blank line.
///
/// Memory stays within one event plus a small constant: the value of a `data:` line is appended straight to
/// the event as it arrives (a line split across reads is not staged first), comments and other fields are
/// skipped without being stored, and an event larger than `maxEventBytes` is dropped and reported
/// (`overflowed`). A large event grows in fixed blocks instead of doubling one array (whose last doubling
/// would hold the old and the new copy at once), and the blocks are joined into one array at the end, each
/// freed as soon as it is copied.
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

    /// Full blocks of the current event (only for events over `blockSize`).
    private var blocks: [[UInt8]] = []
    /// The current event's last (or only) block.
    private var data: [UInt8] = []
    private var dataCount = 0
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
        if hasData { events.append(takeEvent()) }
        hasData = false
        return events
    }

    /// Size of the blocks a large event grows in: large enough that the allocator maps each one on its own
    /// (so a freed block goes back to the system at once), small enough to be a small constant.
    static let blockSize = 256 * 1024

    private mutating func appendData(_ bytes: UnsafeBufferPointer<UInt8>) {
        var rest = bytes[...]
        while !rest.isEmpty {
            if data.count + rest.count <= Self.blockSize {
                data.append(contentsOf: UnsafeBufferPointer(rebasing: rest))
                dataCount += rest.count
                return
            }
            if data.count >= Self.blockSize {
                blocks.append(data)
                data = []
                data.reserveCapacity(Self.blockSize)
            }
            let n = min(rest.count, Self.blockSize - data.count)
            data.append(contentsOf: UnsafeBufferPointer(rebasing: rest.prefix(n)))
            dataCount += n
            rest = rest.dropFirst(n)
        }
    }

    private mutating func appendByte(_ byte: UInt8) {
        withUnsafePointer(to: byte) { appendData(UnsafeBufferPointer(start: $0, count: 1)) }
    }

    /// The finished event as one array; resets the accumulator.
    private mutating func takeEvent() -> [UInt8] {
        defer {
            blocks = []
            data = []
            dataCount = 0
        }
        guard !blocks.isEmpty else { return data }
        var out: [UInt8] = []
        out.reserveCapacity(dataCount)
        for i in blocks.indices {
            out.append(contentsOf: blocks[i])
            blocks[i] = []
        }
        out.append(contentsOf: data)
        return out
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
            guard dataCount + rest.count <= maxEventBytes else {
                overflow()
                return
            }
            appendData(UnsafeBufferPointer(rebasing: rest))
        }
    }

    /// The one field AgentStream reads, built once: this runs for every byte of a line's start, and building the
    /// array here each time was an allocation per byte (1,100 instructions per relayed frame).
    private static let dataField: [UInt8] = Array("data".utf8)

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
        if lineStart.first == UInt8(ascii: ":") {
            mode = .skip  // comment
        } else if lineStart.count <= 4 {
            if !Self.dataField.starts(with: lineStart) { mode = .skip }
        } else if lineStart[4] == UInt8(ascii: ":") {
            beginDataValue()
            mode = .data(skipSpace: true)
        } else {
            mode = .skip  // another field whose name starts with "data"
        }
    }

    private mutating func beginDataValue() {
        if hasData {
            guard dataCount < maxEventBytes else {
                overflow()
                return
            }
            appendByte(0x0A)
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
            if hasData { events.append(takeEvent()) }
            hasData = false
        } else if lineStart.elementsEqual("data".utf8) {
            beginDataValue()
        }
    }

    private mutating func overflow() {
        overflowed = true
        blocks = []
        data = []
        dataCount = 0
        hasData = false
        lineStart = []
    }
}
