// SigV4 signing of a request whose URL and headers come from outside (the AgentCore endpoint and ARN from
// configuration, trace and session headers from the caller): the hand-written URL split, path normalisation,
// canonical query (decode then re-encode, sort) and header canonicalisation. Input: the URL on the first line,
// then `name: value` header lines. Invariants: no crash; signing is deterministic; the canonical URI and query
// hold only unreserved characters, '/', '=', '&' and upper-case %XX; query pairs are sorted; signed header names
// are lower-case, unique and sorted; the Authorization header names exactly those headers. Also AWSDate's
// ISO 8601 reader on the first line: a date it accepts formats back to the same instant.
import FuzzSupport
import Primitives
import SigV4

enum FuzzSigV4: FuzzTarget {
    static let name = "sigv4"

    static let signer = SigV4Signer(
        credentials: AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", sessionToken: "token"),
        region: "us-east-1", service: "bedrock-agentcore")

    static func isCanonicalText(_ s: Substring, extra: Set<UInt8>) -> Bool {
        let b = Array(s.utf8)
        var i = 0
        while i < b.count {
            if b[i] == UInt8(ascii: "%") {
                guard i + 2 < b.count, [b[i + 1], b[i + 2]].allSatisfy({ (48...57).contains($0) || (65...70).contains($0) }) else { return false }
                i += 3
            } else {
                guard PercentEncoding.isUnreserved(b[i]) || extra.contains(b[i]) else { return false }
                i += 1
            }
        }
        return true
    }

    static func run(_ input: [UInt8]) {
        let lines = linesKeepingLF(input).map { line -> String in
            var l = line[...]
            while let last = l.last, last == 0x0A { l = l.dropLast() }
            return String(decoding: l, as: UTF8.self)
        }
        guard let url = lines.first else { return }
        if let date = AWSDate(iso8601: url) {
            let again = AWSDate.iso8601(epochMs: date.epochSeconds * 1000)
            require(AWSDate(iso8601: String(again.prefix(19)) + "Z") == date, "\(url) reads as \(again)")
        }
        var headers: [(String, String)] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            // Header names are the code's own (values come from callers): keep names that are HTTP tokens.
            let name = line[..<colon]
            guard !name.isEmpty, name.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && !"()<>@,;:\\\"/[]?={}".utf8.contains($0) }) else { continue }
            headers.append((String(line[..<colon]), String(line[line.index(after: colon)...])))
        }
        var rng = InputRandom(input)
        let date = AWSDate(epochSeconds: Int64(rng.int(in: 0...4_102_444_800)))
        let method = ["GET", "POST", "post", "DELETE"][rng.int(in: 0...3)]
        let options = SigV4Options(doubleEncodePath: rng.int(in: 0...1) == 0, normalizePath: rng.int(in: 0...1) == 0)
        guard let signed = try? signer.sign(method: method, url: url, headers: headers, body: input, date: date, options: options) else {
            return
        }
        let again = try? signer.sign(method: method, url: url, headers: headers, body: input, date: date, options: options)
        require(again?.signature == signed.signature, "signing is not deterministic")
        require(signed.signature.utf8.count == 64, "signature \(signed.signature)")
        // Split on bytes: as Characters, a CR before the LF would make one "\r\n" grapheme and hide the line end.
        let canonical = signed.canonicalRequest.utf8.split(separator: 0x0A, omittingEmptySubsequences: false).map {
            Substring(decoding: $0, as: UTF8.self)
        }
        require(canonical.count >= 6, "canonical request has \(canonical.count) lines")
        if options.doubleEncodePath {
            require(isCanonicalText(canonical[1], extra: [UInt8(ascii: "/")]), "canonical URI \(canonical[1])")
        }
        require(isCanonicalText(canonical[2], extra: [UInt8(ascii: "="), UInt8(ascii: "&")]), "canonical query \(canonical[2])")
        let pairs = canonical[2].split(separator: "&").map { pair -> (Substring, Substring) in
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (kv[0], kv.count > 1 ? kv[1] : "")
        }
        for (a, b) in zip(pairs, pairs.dropFirst()) {
            require(
                !b.0.utf8.lexicographicallyPrecedes(a.0.utf8) && (a.0 != b.0 || !b.1.utf8.lexicographicallyPrecedes(a.1.utf8)),
                "query not sorted: \(canonical[2])")
        }
        let names = signed.signedHeaders.split(separator: ";", omittingEmptySubsequences: false)
        for (a, b) in zip(names, names.dropFirst()) {
            require(a.utf8.lexicographicallyPrecedes(b.utf8), "signed headers not sorted and unique: \(signed.signedHeaders)")
        }
        for n in names { require(!n.utf8.contains { $0 >= 65 && $0 <= 90 }, "upper-case signed header \(n)") }
        require(signed.authorization.hasSuffix("SignedHeaders=\(signed.signedHeaders), Signature=\(signed.signature)"), "authorization")
    }
}
