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
        if bytes.withContiguousStorageIfAvailable({ feed(buffer: $0, into: &events) }) == nil {
            Array(bytes).withUnsafeBufferPointer { feed(buffer: $0, into: &events) }
        }
        return events
    }

    /// Scans for line ends and hands whole lines over as slices of `buffer`: bytes are copied once, into
    /// the event's data, and only a line split across reads is staged in `line`.
    private mutating func feed(buffer: UnsafeBufferPointer<UInt8>, into events: inout [[UInt8]]) {
        var i = 0
        let n = buffer.count
        if lastWasCR, n > 0 {
            lastWasCR = false
            if buffer[0] == 0x0A { i = 1 }  // the LF of a CRLF pair
        }
        while i < n {
            var j = i
            while j < n, buffer[j] != 0x0A, buffer[j] != 0x0D { j += 1 }
            if j == n {
                line.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[i..<n]))
                return
            }
            if line.isEmpty {
                endLine(UnsafeBufferPointer(rebasing: buffer[i..<j]), into: &events)
            } else {
                line.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[i..<j]))
                let staged = line
                line.removeAll(keepingCapacity: true)
                staged.withUnsafeBufferPointer { endLine($0, into: &events) }
            }
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

    /// Ends the stream: returns the pending event, if any, as a final payload.
    public mutating func finish() -> [[UInt8]] {
        var events: [[UInt8]] = []
        if !line.isEmpty {
            let staged = line
            line.removeAll(keepingCapacity: true)
            staged.withUnsafeBufferPointer { processLine($0) }
        }
        if hasData { events.append(data) }
        data = []
        hasData = false
        return events
    }

    private mutating func endLine(_ text: UnsafeBufferPointer<UInt8>, into events: inout [[UInt8]]) {
        if text.isEmpty {
            if hasData { events.append(data) }
            data = []
            hasData = false
            return
        }
        processLine(text)
    }

    private mutating func processLine(_ whole: UnsafeBufferPointer<UInt8>) {
        var text = whole
        if !started {
            started = true
            // A UTF-8 byte order mark may open the stream.
            if text.count >= 3, text[0] == 0xEF, text[1] == 0xBB, text[2] == 0xBF {
                text = UnsafeBufferPointer(rebasing: text[3...])
            }
        }
        guard let first = text.first, first != UInt8(ascii: ":") else { return }  // comment
        let colon = text.firstIndex(of: UInt8(ascii: ":")) ?? text.endIndex
        guard colon == 4, text[0] == UInt8(ascii: "d"), text[1] == UInt8(ascii: "a"), text[2] == UInt8(ascii: "t"),
            text[3] == UInt8(ascii: "a")
        else { return }
        var valueStart = colon < text.endIndex ? colon + 1 : colon
        if valueStart < text.endIndex, text[valueStart] == UInt8(ascii: " ") { valueStart += 1 }
        if hasData {
            data.append(0x0A)
        } else {
            data.reserveCapacity(text.count - valueStart)
        }
        data.append(contentsOf: UnsafeBufferPointer(rebasing: text[valueStart...]))
        hasData = true
    }
}
