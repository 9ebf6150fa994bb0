/// An incremental Server-Sent Events parser (WHATWG event-stream rules) for upstream responses.
///
/// Feed it bytes as they arrive, in any split; it returns the `data` of each complete event.
/// Handles CRLF, CR and LF line ends, multi-line `data:` (joined with LF), comments, and
/// fields other than `data` (ignored). `finish()` flushes a last event that had no blank line.
public struct SSEParser: Sendable {
    private var line: [UInt8] = []
    private var data: [UInt8] = []
    private var hasData = false
    private var lastWasCR = false
    private var started = false

    /// An empty parser.
    public init() {}

    /// Consumes `bytes`; returns the data payloads of events completed by them.
    public mutating func feed(_ bytes: some Collection<UInt8>) -> [[UInt8]] {
        var events: [[UInt8]] = []
        for b in bytes {
            if lastWasCR {
                lastWasCR = false
                if b == 0x0A { continue }  // the LF of a CRLF pair
            }
            if b == 0x0D {
                lastWasCR = true
                endLine(into: &events)
            } else if b == 0x0A {
                endLine(into: &events)
            } else {
                line.append(b)
            }
        }
        return events
    }

    /// Ends the stream: returns the pending event, if any, as a final payload.
    public mutating func finish() -> [[UInt8]] {
        var events: [[UInt8]] = []
        if !line.isEmpty { processLine() }
        if hasData { events.append(data) }
        data = []
        hasData = false
        return events
    }

    private mutating func endLine(into events: inout [[UInt8]]) {
        if line.isEmpty {
            if hasData { events.append(data) }
            data = []
            hasData = false
            return
        }
        processLine()
    }

    private mutating func processLine() {
        defer { line.removeAll(keepingCapacity: true) }
        if !started {
            started = true
            // A UTF-8 byte order mark may open the stream.
            if line.starts(with: [0xEF, 0xBB, 0xBF]) { line.removeFirst(3) }
        }
        guard let first = line.first, first != UInt8(ascii: ":") else { return }  // comment
        let colon = line.firstIndex(of: UInt8(ascii: ":")) ?? line.endIndex
        guard line[..<colon].elementsEqual("data".utf8) else { return }
        var valueStart = colon < line.endIndex ? colon + 1 : colon
        if valueStart < line.endIndex, line[valueStart] == UInt8(ascii: " ") { valueStart += 1 }
        if hasData { data.append(0x0A) }
        data.append(contentsOf: line[valueStart...])
        hasData = true
    }
}
