/// A FIFO of byte chunks with a running byte count: the receive buffer and the send buffer of a transfer.
///
/// Chunks are kept as the arrays they arrived in (no copy into a ring), and a sent chunk is read only from
/// the head, so each chunk a caller queued leaves as its own piece: one `enqueue` becomes at least one HTTP
/// chunk on the wire and is never merged with the next.
struct ChunkQueue {
    private var chunks: [[UInt8]] = []
    private var head = 0
    /// Bytes of `chunks[head]` already copied out.
    private var offset = 0
    /// Bytes queued and not yet taken.
    private(set) var byteCount = 0

    var isEmpty: Bool { head == chunks.count }

    mutating func append(_ bytes: [UInt8]) {
        chunks.append(bytes)
        byteCount += bytes.count
    }

    /// Removes and returns the first whole chunk (the receive side never takes partial chunks).
    mutating func popFirst() -> [UInt8]? {
        guard head < chunks.count else { return nil }
        var chunk = chunks[head]
        chunks[head] = []
        if offset > 0 {
            chunk.removeFirst(offset)
            offset = 0
        }
        advance()
        byteCount -= chunk.count
        return chunk
    }

    /// Copies as much of the head chunk as fits into `buffer`; 0 when empty. Never crosses into the next chunk.
    mutating func copyFromHead(into buffer: UnsafeMutableBufferPointer<UInt8>) -> Int {
        guard head < chunks.count, let destination = buffer.baseAddress else { return 0 }
        let n = min(buffer.count, chunks[head].count - offset)
        chunks[head].withUnsafeBufferPointer { source in
            if let base = source.baseAddress { destination.update(from: base + offset, count: n) }
        }
        offset += n
        byteCount -= n
        if offset == chunks[head].count {
            chunks[head] = []
            offset = 0
            advance()
        }
        return n
    }

    private mutating func advance() {
        head += 1
        if head == chunks.count {
            chunks.removeAll(keepingCapacity: true)
            head = 0
        }
    }
}
