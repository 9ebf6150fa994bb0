import Foundation
import SigV4

/// Finds the test vectors committed next to this file (`Vectors/`: the aws-c-auth suite and the AgentCore cases).
enum VectorLocator {
    // Symlinks resolved so a scratch package that links this directory still finds the real files.
    static let testDirectory = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent()
    static let repoRoot = testDirectory.deletingLastPathComponent().deletingLastPathComponent()

    static var vectorsDirectory: URL? {
        let committed = testDirectory.appendingPathComponent("Vectors")
        return FileManager.default.fileExists(atPath: committed.appendingPathComponent("sigv4").path) ? committed : nil
    }
}

/// A raw HTTP/1.1 request as written in the aws-c-auth suite's `request.txt`.
struct RawRequest {
    var method: String
    var target: String
    var headers: [(String, String)]
    var body: [UInt8]

    /// Parses `METHOD SP target SP HTTP/1.1`, header lines, a blank line and the body. The target may contain
    /// spaces (`/example space/`), so the method ends at the first space and the version starts at the last.
    /// Lines starting with whitespace continue the previous header value (obsolete line folding, used by
    /// `get-header-value-multiline`); they are kept with their newline so the signer's trimming is exercised.
    init(_ data: Data) throws {
        let bytes = [UInt8](data)
        var headerEnd = bytes.count
        var bodyStart = bytes.count
        for i in 0..<bytes.count {
            if bytes[i] == 0x0a, i + 1 < bytes.count, bytes[i + 1] == 0x0a {
                headerEnd = i; bodyStart = i + 2; break
            }
            if bytes[i] == 0x0d, i + 3 < bytes.count, bytes[i + 1] == 0x0a, bytes[i + 2] == 0x0d, bytes[i + 3] == 0x0a {
                headerEnd = i; bodyStart = i + 4; break
            }
        }
        body = Array(bytes[bodyStart...])
        let head = String(decoding: bytes[..<headerEnd], as: UTF8.self)
        var lines = head.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.hasSuffix("\r") ? String($0.dropLast()) : String($0)
        }
        guard !lines.isEmpty else { throw VectorError.malformed("empty request") }
        let requestLine = lines.removeFirst()
        guard let firstSpace = requestLine.firstIndex(of: " "), let lastSpace = requestLine.lastIndex(of: " "),
              firstSpace < lastSpace
        else { throw VectorError.malformed("request line \(requestLine)") }
        method = String(requestLine[..<firstSpace])
        target = String(requestLine[requestLine.index(after: firstSpace)..<lastSpace])
        headers = []
        for line in lines where !line.isEmpty {
            if line.first == " " || line.first == "\t" {
                guard !headers.isEmpty else { throw VectorError.malformed("continuation first: \(line)") }
                headers[headers.count - 1].1 += "\n" + line
                continue
            }
            guard let colon = line.firstIndex(of: ":") else { throw VectorError.malformed("header \(line)") }
            headers.append((String(line[..<colon]), String(line[line.index(after: colon)...])))
        }
    }

    var host: String? {
        headers.first { $0.0.lowercased() == "host" }.map { $0.1.trimmingCharacters(in: .whitespaces) }
    }
}

enum VectorError: Error, CustomStringConvertible {
    case malformed(String)
    var description: String {
        switch self {
        case .malformed(let what): return "malformed vector: \(what)"
        }
    }
}

/// Header lines as a sorted multiset of (lower-cased name, value), so order differences do not matter.
func headerMultiset(_ headers: [(String, String)]) -> [String] {
    headers.map { "\($0.0.lowercased()):\($0.1)" }.sorted()
}

func jsonObject(at url: URL) throws -> [String: Any] {
    let data = try Data(contentsOf: url)
    guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
        throw VectorError.malformed("\(url.lastPathComponent) is not a JSON object")
    }
    return object
}

func readText(_ url: URL) throws -> String {
    String(decoding: try Data(contentsOf: url), as: UTF8.self)
}
