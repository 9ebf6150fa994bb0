import Primitives
import Foundation
import Testing
@testable import SigV4

/// Signs randomized AgentCore-style requests with the Swift signer and with botocore
/// (`Tests/e2e/agentcore/botocore_sign.py`), and requires identical results: botocore is an independent
/// implementation, so agreement on odd spacing, duplicate headers, ports, tokens, dot segments and multi-value
/// queries is evidence beyond the fixed vectors.
@Suite struct BotocoreOracleTests {
    @Test(.enabled(if: BotocoreOracle.python != nil, "python3 with botocore is not installed; oracle comparison skipped"))
    func swiftSignerMatchesBotocore() throws {
        let python = try #require(BotocoreOracle.python)
        let seed = ProcessInfo.processInfo.environment["SIGV4_ORACLE_SEED"].flatMap(UInt64.init) ?? 0x5167_7634
        var rng = SplitMix64(seed: seed)
        let cases = (0..<32).map { _ in OracleCase.random(using: &rng) }
        let answers = try BotocoreOracle.sign(cases.map(\.json), python: python)
        #expect(answers.count == cases.count, "botocore answered \(answers.count) of \(cases.count) cases")

        var agreed = 0
        for (testCase, answer) in zip(cases, answers) {
            let signer = SigV4Signer(credentials: testCase.credentials, region: testCase.region, service: testCase.service)
            let signed = try signer.sign(method: testCase.method, url: testCase.url, headers: testCase.headers,
                                         body: Array(testCase.body.utf8), date: AWSDate(epochSeconds: testCase.epoch))
            let context = "seed \(seed) url \(testCase.url) headers \(testCase.headers)"
            #expect(signed.canonicalRequest == answer["canonical_request"] as? String, "canonical request: \(context)")
            #expect(signed.stringToSign == answer["string_to_sign"] as? String, "string to sign: \(context)")
            #expect(signed.authorization == answer["authorization"] as? String, "authorization: \(context)")
            // botocore's final header list = ours applied to the input (same names, same values).
            let botoHeaders = (answer["headers"] as? [[String]] ?? []).map { ($0[0], $0[1]) }
            #expect(headerMultiset(signed.apply(to: testCase.headers)) == headerMultiset(botoHeaders),
                    "headers sent: \(context)")
            if signed.authorization == answer["authorization"] as? String { agreed += 1 }
        }
        #expect(agreed == cases.count, "\(agreed)/\(cases.count) signatures agree with botocore")
    }
}

/// Runs botocore_sign.py with a Python that has botocore.
enum BotocoreOracle {
    static let script = VectorLocator.repoRoot.appendingPathComponent("Tests/e2e/agentcore/botocore_sign.py")

    /// `$SIGV4_ORACLE_PYTHON`, else `python3` on PATH, else the repo's `.venv`; the first that imports botocore.
    static let python: [String]? = {
        var candidates: [[String]] = []
        if let override = ProcessInfo.processInfo.environment["SIGV4_ORACLE_PYTHON"] { candidates.append([override]) }
        candidates.append(["/usr/bin/env", "python3"])
        candidates.append([VectorLocator.repoRoot.appendingPathComponent(".venv/bin/python3").path])
        guard FileManager.default.fileExists(atPath: script.path) else { return nil }
        return candidates.first { (try? run($0 + ["-c", "import botocore"], stdin: Data()).status) == 0 }
    }()

    static func sign(_ cases: [[String: Any]], python: [String]) throws -> [[String: Any]] {
        let input = try JSONSerialization.data(withJSONObject: cases)
        let result = try run(python + [script.path], stdin: input)
        guard result.status == 0 else {
            throw VectorError.malformed("botocore_sign.py exited \(result.status): \(String(decoding: result.stderr, as: UTF8.self))")
        }
        guard let answers = try JSONSerialization.jsonObject(with: result.stdout) as? [[String: Any]] else {
            throw VectorError.malformed("botocore_sign.py output is not a JSON list")
        }
        return answers
    }

    static func run(_ argv: [String], stdin: Data) throws -> (status: Int32, stdout: Data, stderr: Data) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: argv[0])
        process.arguments = Array(argv.dropFirst())
        // Input goes through a temp file so neither side can block on a full pipe.
        let inputFile = FileManager.default.temporaryDirectory.appendingPathComponent("sigv4-oracle-\(UUID().uuidString).json")
        try stdin.write(to: inputFile)
        defer { try? FileManager.default.removeItem(at: inputFile) }
        process.standardInput = try FileHandle(forReadingFrom: inputFile)
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
        let stderrData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, stdoutData, stderrData)
    }
}

/// Deterministic PRNG so a failing case can be replayed from its seed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

struct OracleCase {
    var credentials: AWSCredentials
    var region: String
    var service: String
    var method: String
    var url: String
    var headers: [(String, String)]
    var body: String
    var epoch: Int64

    var json: [String: Any] {
        [
            "access_key_id": credentials.accessKeyID,
            "secret_access_key": credentials.secretAccessKey,
            "session_token": credentials.sessionToken as Any? ?? NSNull(),
            "region": region, "service": service, "method": method, "url": url,
            "headers": headers.map { [$0.0, $0.1] }, "body": body, "epoch_seconds": epoch,
        ]
    }

    static func random(using rng: inout SplitMix64) -> OracleCase {
        func pick<T>(_ options: [T]) -> T { options[Int.random(in: 0..<options.count, using: &rng)] }
        func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }
        func word(_ alphabet: String, _ lengths: ClosedRange<Int>) -> String {
            let chars = Array(alphabet)
            return String((0..<Int.random(in: lengths, using: &rng)).map { _ in pick(chars) })
        }
        let alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        // Spaces and tabs runs in header values: SigV4 "Trimall" must collapse them exactly like botocore.
        func oddSpaced(_ text: String) -> String {
            let parts = text.split(separator: " ")
            var out = pick(["", " ", "  ", "\t"])
            for (i, part) in parts.enumerated() {
                if i > 0 { out += pick([" ", "   ", "\t", " \t "]) }
                out += part
            }
            return out + pick(["", " ", "   "])
        }
        func randomCase(_ name: String) -> String {
            String(name.map { chance(0.3) ? Character($0.uppercased()) : Character($0.lowercased()) })
        }

        let region = pick(["us-east-1", "eu-west-1", "ap-southeast-2", "us-gov-west-1"])
        let service = chance(0.8) ? "bedrock-agentcore" : pick(["execute-api", "lambda"])
        let account = word("0123456789", 12...12)
        let runtime = word(alnum + "_", 3...20) + "-" + word(alnum, 10...10)
        let arn = "arn:aws:bedrock-agentcore:\(region):\(account):runtime/\(runtime)"
        let base = pick([
            "https://bedrock-agentcore.\(region).amazonaws.com",
            "http://127.0.0.1:\(Int.random(in: 1024...65535, using: &rng))",
            "https://LocalHost:443",
            "http://localhost:80",
            "https://bedrock-agentcore.\(region).amazonaws.com:8443",
        ])
        var path = "/runtimes/" + PercentEncoding.encode(arn) + "/invocations"
        if chance(0.15) { path = pick(["/x/./y/../", "//", "/a//b/"]) + path.dropFirst() }

        var query: [String] = []
        if chance(0.7) { query.append("qualifier=" + pick(["DEFAULT", "prod", "v2_endpoint"])) }
        if chance(0.4) {
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let raw = word(alnum + " :/+é✈-._~", 0...8)
                query.append(pick(["a", "Z", "b-c", "accountId", "x_y"]) + "=" + PercentEncoding.encode(raw))
            }
            if chance(0.3) { query.append("flag") }
        }
        let url = base + path + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))

        var headers: [(String, String)] = [(randomCase("Content-Type"), oddSpaced("application/json"))]
        if chance(0.7) { headers.append((randomCase("Accept"), pick(["text/event-stream", "application/json, text/event-stream"]))) }
        headers.append((randomCase("X-Amzn-Bedrock-AgentCore-Runtime-Session-Id"), word(alnum + "-_", 33...60)))
        if chance(0.4) { headers.append(("X-Amzn-Bedrock-AgentCore-Runtime-User-Id", oddSpaced("user \(word(alnum, 3...9))"))) }
        if chance(0.5) {
            let name = "X-Amzn-Bedrock-AgentCore-Runtime-Custom-" + word(alnum, 2...10)
            headers.append((name, oddSpaced("a b  c \(word(alnum, 1...6))")))
            if chance(0.4) { headers.append((randomCase(name), oddSpaced("second   value"))) }
        }
        if chance(0.4) { headers.append(("User-Agent", "agentstream/1.0  (linux)")) }
        if chance(0.4) { headers.append(("X-Amzn-Trace-Id", "Root=1-\(word("0123456789abcdef", 8...8))")) }
        if chance(0.2) { headers.append(("traceparent", "00-\(word("0123456789abcdef", 32...32))-01")) }

        let token: String? = chance(0.5) ? word(alnum + "/+=", 20...120) : nil
        let body = chance(0.15) ? "" : "{\"prompt\":\"\(word(alnum + " ", 0...40))\",\"n\":\(Int.random(in: 0...999, using: &rng))}"
        return OracleCase(
            credentials: AWSCredentials(accessKeyID: "AKIA" + word("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16...16),
                                        secretAccessKey: word(alnum + "/+", 40...40), sessionToken: token),
            region: region, service: service, method: chance(0.9) ? "POST" : "get",
            url: url, headers: headers, body: body,
            epoch: Int64.random(in: 946_684_800...2_082_758_400, using: &rng)
        )
    }
}
