import Testing
import TinyJSON

@testable import AgentStream

@Suite struct SSETests {
    @Test func framesAreSingleDataLines() throws {
        let frames = [
            SSE.metadata(requestID: "r", sessionID: "s\n", agent: "a"),
            SSE.chunk(text: "two\nlines \"quoted\""),
            SSE.chunk(rawJSON: Array(#"{"k":1}"#.utf8)),
            SSE.complete(executionTimeMs: 12),
            SSE.error(code: "UpstreamTimeout", message: "slow", retryable: true),
        ]
        for f in frames {
            let text = String(decoding: f, as: UTF8.self)
            #expect(text.hasPrefix("data: ") && text.hasSuffix("\n\n"))
            #expect(text.filter { $0 == "\n" }.count == 2)
            _ = try JSONValue.parse(Array(f.dropFirst(6).dropLast(2)))
        }
        let chunk = try JSONValue.parse(Array(frames[1].dropFirst(6).dropLast(2)))
        #expect(chunk == ["type": "chunk", "data": "two\nlines \"quoted\""])
        let error = try JSONValue.parse(Array(frames[4].dropFirst(6).dropLast(2)))
        #expect(error == ["type": "error", "error_code": "UpstreamTimeout", "error_message": "slow", "retryable": true])
    }
}
