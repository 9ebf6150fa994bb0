import Testing

@testable import CurlHTTP

@Suite struct ResponseHeadParserTests {
    func feed(_ parser: inout ResponseHeadParser, _ line: String) -> ResponseHeadParser.Line {
        Array(line.utf8).withUnsafeBufferPointer { parser.feed($0) }
    }

    @Test func skipsInformationalBlocksAndTrimsValues() {
        var p = ResponseHeadParser(maxBytes: 1024)
        #expect(feed(&p, "HTTP/1.1 100 Continue\r\n").isPending)
        #expect(feed(&p, "\r\n").isPending)
        #expect(feed(&p, "HTTP/1.1 201 Created\r\n").isPending)
        #expect(feed(&p, "X-A:   spaced \t\r\n").isPending)
        #expect(feed(&p, "no colon here\r\n").isPending)
        guard case .complete(let head) = feed(&p, "\r\n") else {
            Issue.record("expected a complete head")
            return
        }
        #expect(head.status == 201 && head.headers["x-a"] == "spaced" && head.headers.fields.count == 1)
    }

    @Test func refusesAHeadOverTheLimitAndSurvivesGarbage() {
        var p = ResponseHeadParser(maxBytes: 32)
        #expect(feed(&p, "HTTP/1.1 200 OK\r\n").isPending)
        guard case .tooLarge = feed(&p, "X-Long: " + String(repeating: "z", count: 40) + "\r\n") else {
            Issue.record("expected tooLarge")
            return
        }
        var q = ResponseHeadParser(maxBytes: 1024)
        #expect(feed(&q, "HTTP/1.1 notanumber\r\n").isPending)
        #expect(feed(&q, "\u{FFFD}\u{0}:\r\n").isPending)
        #expect(q.partial.status == 0)
    }

    @Test func splitsNameAndValueAtTheFirstColonByte() {
        // Found by `make fuzz` (Fuzz/corpus/head/regression-combining-mark-after-colon.txt): a value starting with
        // a combining mark (U+07F0 here) made ':' and the mark one Character, so the split moved to a later
        // colon and the header got a name with a colon in it.
        var p = ResponseHeadParser(maxBytes: 1024)
        #expect(feed(&p, "HTTP/1.1 200 OK\r\n").isPending)
        #expect(feed(&p, "x-amzn-ErrorType:\u{07F0}Sty: x\r\n").isPending)
        #expect(feed(&p, "x-b: \u{0301}v \r\n").isPending)
        #expect(feed(&p, "HTTP/1.1 \u{0301}200\r\n").isPending)
        #expect(p.partial.status == 0)
        var q = ResponseHeadParser(maxBytes: 1024)
        #expect(feed(&q, "HTTP/1.1 200 OK\r\n").isPending)
        #expect(feed(&q, "x-amzn-ErrorType:\u{07F0}Sty: x\r\n").isPending)
        #expect(feed(&q, "x-b: \u{0301}v \r\n").isPending)
        guard case .complete(let head) = feed(&q, "\r\n") else {
            Issue.record("expected a complete head")
            return
        }
        #expect(head.headers.fields.map(\.name) == ["x-amzn-ErrorType", "x-b"])
        #expect(head.headers["x-amzn-errortype"] == "\u{07F0}Sty: x" && head.headers["x-b"] == "\u{0301}v")
    }
}

extension ResponseHeadParser.Line {
    var isPending: Bool {
        if case .pending = self { return true }
        return false
    }
}
