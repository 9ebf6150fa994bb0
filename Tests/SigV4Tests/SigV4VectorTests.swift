import Primitives
import Foundation
import Testing
@testable import SigV4

/// Reproduces the aws-c-auth SigV4 suite (header signing; the `query-*` presign files are out of scope) and the
/// botocore-generated AgentCore vectors byte for byte.
@Suite struct SigV4VectorTests {
    @Test func awsSigningTestSuite() throws {
        let root = try #require(VectorLocator.vectorsDirectory, "no test vectors found in Tests/SigV4Tests/Vectors")
        let suite = root.appendingPathComponent("sigv4")
        let caseNames = try FileManager.default.contentsOfDirectory(atPath: suite.path)
            .filter { FileManager.default.fileExists(atPath: suite.appendingPathComponent($0 + "/context.json").path) }
            .sorted()
        // The suite has 38 header-signing cases; a silent zero must fail.
        #expect(caseNames.count >= 38, "found only \(caseNames.count) aws-c-auth cases in \(suite.path)")

        var passed = 0
        for name in caseNames {
            let dir = suite.appendingPathComponent(name)
            let context = try jsonObject(at: dir.appendingPathComponent("context.json"))
            let creds = try #require(context["credentials"] as? [String: Any], "\(name): credentials")
            let credentials = AWSCredentials(
                accessKeyID: try #require(creds["access_key_id"] as? String),
                secretAccessKey: try #require(creds["secret_access_key"] as? String),
                sessionToken: creds["token"] as? String
            )
            let timestamp = try #require(context["timestamp"] as? String)
            let date = try #require(AWSDate(iso8601: timestamp), "\(name): timestamp \(timestamp)")
            // These are generic-service cases over raw (unencoded) paths: the path is encoded exactly once,
            // which is the same "encode the given path" step that double-encodes an AgentCore wire path.
            let options = SigV4Options(
                doubleEncodePath: true,
                normalizePath: context["normalize"] as? Bool ?? true,
                signSessionToken: !(context["omit_session_token"] as? Bool ?? false),
                addContentSHA256Header: context["sign_body"] as? Bool ?? false
            )
            let signer = SigV4Signer(
                credentials: credentials,
                region: try #require(context["region"] as? String),
                service: try #require(context["service"] as? String),
                options: options
            )
            let request = try RawRequest(try Data(contentsOf: dir.appendingPathComponent("request.txt")))
            let host = try #require(request.host, "\(name): Host header")
            let signed = try signer.sign(
                method: request.method, url: "https://\(host)\(request.target)",
                headers: request.headers, body: request.body, date: date
            )

            let expectedCanonical = try readText(dir.appendingPathComponent("header-canonical-request.txt"))
            let expectedSTS = try readText(dir.appendingPathComponent("header-string-to-sign.txt"))
            let expectedSignature = try readText(dir.appendingPathComponent("header-signature.txt"))
                .trimmingCharacters(in: .whitespacesAndNewlines)
            let expectedSigned = try RawRequest(try Data(contentsOf: dir.appendingPathComponent("header-signed-request.txt")))

            var ok = true
            ok = check(signed.canonicalRequest == expectedCanonical, name, "canonical request",
                       signed.canonicalRequest, expectedCanonical) && ok
            ok = check(signed.stringToSign == expectedSTS, name, "string to sign", signed.stringToSign, expectedSTS) && ok
            ok = check(signed.signature == expectedSignature, name, "signature", signed.signature, expectedSignature) && ok
            let actualHeaders = headerMultiset(request.headers + signed.headers.map { ($0.name, $0.value) })
            let expectedHeaders = headerMultiset(expectedSigned.headers)
            ok = check(actualHeaders == expectedHeaders, name, "signed request headers",
                       actualHeaders.joined(separator: "\n"), expectedHeaders.joined(separator: "\n")) && ok
            if ok { passed += 1 }
        }
        #expect(passed == caseNames.count, "\(passed)/\(caseNames.count) aws-c-auth cases passed")
    }

    @Test func agentCoreBotocoreVectors() throws {
        let root = try #require(VectorLocator.vectorsDirectory, "no test vectors found")
        let document = try jsonObject(at: root.appendingPathComponent("agentcore-sigv4.json"))
        let cases = try #require(document["cases"] as? [[String: Any]])
        #expect(cases.count >= 5, "found only \(cases.count) AgentCore cases")

        var passed = 0
        for testCase in cases {
            let name = testCase["name"] as? String ?? "?"
            let input = try #require(testCase["input"] as? [String: Any], "\(name): input")
            let signer = SigV4Signer(
                credentials: AWSCredentials(
                    accessKeyID: try #require(input["access_key_id"] as? String),
                    secretAccessKey: try #require(input["secret_access_key"] as? String),
                    sessionToken: input["session_token"] as? String
                ),
                region: try #require(input["region"] as? String),
                service: try #require(input["service"] as? String)
            )
            let headers = (try #require(input["headers"] as? [String: String])).map { ($0.key, $0.value) }
            let timestamp = try #require(input["timestamp"] as? String)
            let date = try #require(AWSDate(iso8601: timestamp), "\(name): timestamp \(timestamp)")
            let signed = try signer.sign(
                method: try #require(input["method"] as? String),
                url: try #require(input["url"] as? String),
                headers: headers,
                body: Array((try #require(input["body"] as? String)).utf8),
                date: date
            )
            let expectedCanonical = try #require(testCase["canonical_request"] as? String)
            let expectedSTS = try #require(testCase["string_to_sign"] as? String)
            let expectedAuthorization = try #require(testCase["authorization"] as? String)
            let expectedSent = try #require(testCase["signed_headers_sent"] as? [String: String])

            var ok = true
            ok = check(signed.canonicalRequest == expectedCanonical, name, "canonical request",
                       signed.canonicalRequest, expectedCanonical) && ok
            ok = check(signed.stringToSign == expectedSTS, name, "string to sign", signed.stringToSign, expectedSTS) && ok
            ok = check(signed.authorization == expectedAuthorization, name, "authorization",
                       signed.authorization, expectedAuthorization) && ok
            let sent = headerMultiset(signed.apply(to: headers))
            let expected = headerMultiset(expectedSent.map { ($0.key, $0.value) })
            ok = check(sent == expected, name, "headers sent", sent.joined(separator: "\n"),
                       expected.joined(separator: "\n")) && ok
            if ok { passed += 1 }
        }
        #expect(passed == cases.count, "\(passed)/\(cases.count) AgentCore cases passed")
    }

    private func check(_ condition: Bool, _ name: String, _ what: String, _ actual: String, _ expected: String,
                       sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        #expect(condition, "\(name): \(what) differs\n--- actual\n\(actual)\n--- expected\n\(expected)",
                sourceLocation: sourceLocation)
        return condition
    }
}
