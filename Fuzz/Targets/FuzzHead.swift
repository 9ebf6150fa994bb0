// CurlHTTP's response head assembly from libcurl's header callback (one line per call, every header block
// including 1xx ones), within the head size limit. Input: the head as it arrives, cut into lines after each LF.
// Invariants: no crash; a head is complete only after a blank line following a final (>= 200) status; no
// head is accepted once the lines exceed the limit; header names carry no colon and values no surrounding
// spaces or tabs.
import CurlHTTP
import FuzzSupport

enum FuzzHead: FuzzTarget {
    static let name = "head"

    static func run(_ input: [UInt8]) {
        var rng = InputRandom(input)
        for limit in [64 * 1024, rng.int(in: 0...256)] {
            var parser = ResponseHeadParser(maxBytes: limit)
            var seen = 0
            for line in linesKeepingLF(input) {
                seen += line.count
                let result = line.withUnsafeBufferPointer { parser.feed($0) }
                switch result {
                case .pending:
                    require(seen <= limit, "\(seen) bytes of head read past the limit \(limit)")
                case .tooLarge:
                    require(seen > limit, "too large after \(seen) bytes with the limit \(limit)")
                case .complete(let head):
                    require(seen <= limit, "head complete after \(seen) bytes with the limit \(limit)")
                    require(head.status >= 200, "complete head with status \(head.status)")
                    require(line.allSatisfy { $0 == 0x0A || $0 == 0x0D }, "head completed by a non-blank line")
                    for (name, value) in head.headers {
                        require(!name.utf8.contains(UInt8(ascii: ":")), "header name with a colon: \(name)")
                        let v = Array(value.utf8)
                        require(![0x20, 0x09].contains(v.first) && ![0x20, 0x09].contains(v.last), "untrimmed value \(value)")
                    }
                }
                if case .pending = result { continue }
                break
            }
            _ = parser.partial
        }
    }
}
