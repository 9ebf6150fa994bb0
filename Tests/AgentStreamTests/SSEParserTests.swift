import Testing

@testable import AgentStream

@Suite struct SSEParserTests {
    func parseAll(_ pieces: [String]) -> [String] {
        var p = SSEParser()
        var out: [[UInt8]] = []
        for piece in pieces { out += p.feed(Array(piece.utf8)) }
        out += p.finish()
        return out.map { String(decoding: $0, as: UTF8.self) }
    }

    @Test func splitsAcrossChunksAndLineEndings() {
        let whole = "data: \"a\"\n\ndata: {\"b\":1}\r\n\r\n: comment\n\nevent: x\nid: 7\ndata: \"c\"\r\r"
        #expect(parseAll([whole]) == ["\"a\"", "{\"b\":1}", "\"c\""])
        // Every split point, including inside CRLF pairs, gives the same events.
        for i in 0...whole.utf8.count {
            let bytes = Array(whole.utf8)
            let a = String(decoding: bytes[..<i], as: UTF8.self)
            let b = String(decoding: bytes[i...], as: UTF8.self)
            #expect(parseAll([a, b]) == ["\"a\"", "{\"b\":1}", "\"c\""], "split at \(i)")
        }
    }

    @Test func joinsMultiLineDataAndFlushesFinalEvent() {
        #expect(parseAll(["data: {\"a\":\ndata: 1}\n\ndata:no-space\ndata"]) == ["{\"a\":\n1}", "no-space\n"])
    }

    @Test func ignoresEventsWithoutData() {
        #expect(parseAll([": ping\n\nevent: x\n\n\n\n"]) == [])
    }

    @Test func sseParserAnySplit() {
        let stream = Array("\u{FEFF}data: a\r\ndata: b\r\n\r\n: comment\ndata:c\rid: 1\r\rdata: \"x\"\n\nevent: e\ndata\n\ndata: tail".utf8)
        var whole = SSEParser()
        let expected = whole.feed(stream) + whole.finish()
        #expect(expected.map { String(decoding: $0, as: UTF8.self) } == ["a\nb", "c", "\"x\"", "", "tail"])
        for split in 0...stream.count {
            for split2 in stride(from: split, through: stream.count, by: 7) {
                var p = SSEParser()
                var got = p.feed(stream[..<split])
                got += p.feed(stream[split..<split2])
                got += p.feed(stream[split2...])
                got += p.finish()
                #expect(got == expected, "split at \(split), \(split2)")
            }
        }
    }

    @Test func oversizedEventIsDroppedAndReported() {
        var p = SSEParser(maxEventBytes: 16)
        let ok = p.feed(Array("data: 0123456789\n\n".utf8))
        #expect(ok.map { String(decoding: $0, as: UTF8.self) } == ["0123456789"])
        #expect(!p.overflowed)
        // 20 bytes of value, split across reads, with no line end: refused, never buffered past the limit.
        #expect(p.feed(Array("data: 0123456789".utf8)).isEmpty)
        #expect(p.feed(Array("0123456789".utf8)).isEmpty)
        #expect(p.overflowed)
        #expect(p.feed(Array("\n\ndata: later\n\n".utf8)).isEmpty)
        #expect(p.finish().isEmpty)
        // Multi-line data counts its joining line feeds.
        var q = SSEParser(maxEventBytes: 5)
        _ = q.feed(Array("data: abc\ndata: de\n".utf8))
        #expect(q.overflowed)
    }

    @Test func commentsAndOtherFieldsAreSkippedWithoutBeingStored() {
        var p = SSEParser(maxEventBytes: 8)
        let long = ": " + String(repeating: "z", count: 10_000) + "\nretry: " + String(repeating: "9", count: 10_000) + "\ndata: ok\n\n"
        #expect(p.feed(Array(long.utf8)).map { String(decoding: $0, as: UTF8.self) } == ["ok"])
        #expect(!p.overflowed)
    }

    @Test func largeEventsAreJoinedAcrossBlocksWhateverTheSplits() {
        var rng = SystemRandomNumberGenerator()
        let value = (0..<(SSEParser.blockSize * 2 + 12_345)).map { UInt8(ascii: "a") + UInt8($0 % 26) }
        let stream = Array("data: ".utf8) + value + Array("\ndata: tail\n\ndata: next\n\n".utf8)
        for _ in 0..<5 {
            var p = SSEParser()
            var events: [[UInt8]] = []
            var i = 0
            while i < stream.count {
                let n = Int.random(in: 1...70_000, using: &rng)
                events += p.feed(stream[i..<min(stream.count, i + n)])
                i += n
            }
            events += p.finish()
            #expect(events.count == 2)
            #expect(events.first == value + Array("\ntail".utf8))
            #expect(events.last == Array("next".utf8))
        }
    }
}
