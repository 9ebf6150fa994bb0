// The mapping of an upstream's error answer (before streaming) to our status, code and message: AgentCore's
// rest-json errors (`x-amzn-ErrorType`, `message`, `reason`, `fieldList`) and Mastra's `{"error": ...}`.
// Input: a status line (digits), header lines, a blank line, then the body, as the answer arrived.
// Invariants: no crash; our status is one of the documented ones; the code is non-empty and the message says
// which upstream answered.
import AgentStream
import CurlHTTP
import FuzzSupport
import Primitives

enum FuzzUpstreamErrors: FuzzTarget {
    static let name = "upstream-errors"

    static func run(_ input: [UInt8]) {
        var lines = linesKeepingLF(input)[...]
        func text(_ line: [UInt8]) -> String {
            var l = line[...]
            while let last = l.last, last == 0x0A || last == 0x0D { l = l.dropLast() }
            return String(decoding: l, as: UTF8.self)
        }
        var consumed = 0
        let status = lines.first.flatMap { Int(text($0)) } ?? 500
        if let first = lines.popFirst() { consumed += first.count }
        var headers = HeaderFields()
        while let line = lines.popFirst() {
            consumed += line.count
            let t = text(line)
            if t.isEmpty { break }
            if let colon = t.firstIndex(of: ":") {
                headers.add(String(t[..<colon]), String(t[t.index(after: colon)...]).trimmingHTTPWhitespace())
            }
        }
        let body = Array(input[min(consumed, input.count)...])

        let agentCore = AgentCoreErrors.map(status: status, headers: headers, body: body)
        require([502, 503, 504].contains(agentCore.httpStatus), "AgentCore \(status) mapped to \(agentCore.httpStatus)")
        require(!agentCore.code.isEmpty, "AgentCore error without a code")
        require(agentCore.message.utf8.starts(with: "AgentCore: ".utf8), "AgentCore message without its source: \(agentCore.message)")
        require(agentCore.upstreamStatus == status, "upstream status lost")

        let mastra = MastraErrors.map(status: status, body: body, agentID: "weatherAgent")
        require([404, 502, 503, 504].contains(mastra.httpStatus), "Mastra \(status) mapped to \(mastra.httpStatus)")
        require(!mastra.code.isEmpty && mastra.message.utf8.starts(with: "Mastra: ".utf8), "Mastra error \(mastra)")
    }
}
