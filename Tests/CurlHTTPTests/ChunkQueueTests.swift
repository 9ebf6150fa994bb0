import Testing

@testable import CurlHTTP

@Suite struct ChunkQueueTests {
    @Test func popsWholeChunksInOrder() {
        var q = ChunkQueue()
        q.append([1, 2])
        q.append([3])
        #expect(q.byteCount == 3)
        #expect(q.popFirst() == [1, 2])
        #expect(q.popFirst() == [3])
        #expect(q.popFirst() == nil && q.isEmpty && q.byteCount == 0)
    }

    @Test func copiesNeverCrossAChunkBoundary() {
        var q = ChunkQueue()
        q.append([1, 2, 3, 4, 5])
        q.append([6, 7])
        var buffer = [UInt8](repeating: 0, count: 3)
        let first = buffer.withUnsafeMutableBufferPointer { q.copyFromHead(into: $0) }
        #expect(first == 3 && buffer == [1, 2, 3] && q.byteCount == 4)
        let second = buffer.withUnsafeMutableBufferPointer { q.copyFromHead(into: $0) }
        #expect(second == 2 && Array(buffer.prefix(2)) == [4, 5])
        let third = buffer.withUnsafeMutableBufferPointer { q.copyFromHead(into: $0) }
        #expect(third == 2 && Array(buffer.prefix(2)) == [6, 7] && q.isEmpty)
    }
}
