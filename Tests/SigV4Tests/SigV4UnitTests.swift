import Primitives
import Testing
@testable import SigV4

@Suite struct SigV4UnitTests {
    @Test func credentialsFromEnvironment() {
        #expect(AWSCredentials.fromEnvironment([:]) == nil)
        #expect(AWSCredentials.fromEnvironment(["AWS_ACCESS_KEY_ID": "A", "AWS_SECRET_ACCESS_KEY": ""]) == nil)
        let creds = AWSCredentials.fromEnvironment(
            ["AWS_ACCESS_KEY_ID": "A", "AWS_SECRET_ACCESS_KEY": "S", "AWS_SESSION_TOKEN": ""])
        #expect(creds == AWSCredentials(accessKeyID: "A", secretAccessKey: "S"))
        #expect(creds?.sessionToken == nil)
        let withToken = AWSCredentials(accessKeyID: "A", secretAccessKey: "SECRET", sessionToken: "TOKEN")
        #expect(!withToken.description.contains("SECRET") && !withToken.description.contains("TOKEN"))
    }

    @Test func applyReplacesStaleSigningHeaders() throws {
        let signer = SigV4Signer(
            credentials: AWSCredentials(accessKeyID: "AKID", secretAccessKey: "S", sessionToken: "T"),
            region: "us-east-1", service: "bedrock-agentcore")
        let original = [("Authorization", "stale"), ("x-amz-date", "old"), ("X-Amz-Security-Token", "old"),
                        ("Content-Type", "application/json")]
        let signed = try signer.sign(method: "POST", url: "https://h/p", headers: original,
                                     date: AWSDate(epochSeconds: 0))
        let applied = signed.apply(to: original)
        #expect(applied.filter { $0.0.lowercased() == "authorization" }.map(\.1) == [signed.authorization])
        #expect(applied.filter { $0.0.lowercased() == "x-amz-date" }.map(\.1) == ["19700101T000000Z"])
        #expect(applied.filter { $0.0.lowercased() == "x-amz-security-token" }.map(\.1) == ["T"])
        #expect(signed.signedHeaders == "content-type;host;x-amz-date;x-amz-security-token")
        #expect(!signed.canonicalRequest.contains("stale"))
    }

    @Test func hostHeaderFromURL() throws {
        let signer = SigV4Signer(credentials: AWSCredentials(accessKeyID: "A", secretAccessKey: "S"),
                                 region: "r", service: "s")
        func host(_ url: String) throws -> String? {
            try signer.sign(method: "GET", url: url, date: AWSDate(epochSeconds: 0)).canonicalRequest
                .split(separator: "\n").first { $0.hasPrefix("host:") }.map { String($0.dropFirst(5)) }
        }
        #expect(try host("https://Example.COM:443/x") == "example.com")
        #expect(try host("http://127.0.0.1:9000") == "127.0.0.1:9000")
        #expect(try host("http://user:pw@h:80/?q") == "h")
        #expect(try host("https://[::1]:8443/") == "[::1]:8443")
        #expect(throws: SigV4Error.self) { try signer.sign(method: "GET", url: "not a url") }
    }

    @Test func signerOptionsForS3StyleAndUnsignedPayload() throws {
        let signer = SigV4Signer(credentials: AWSCredentials(accessKeyID: "A", secretAccessKey: "S"),
                                 region: "r", service: "s3",
                                 options: SigV4Options(doubleEncodePath: false, normalizePath: false))
        let signed = try signer.sign(method: "PUT", url: "https://b.s3.amazonaws.com/a%20b//c",
                                     headers: [("X-Amz-Content-SHA256", "UNSIGNED-PAYLOAD")], body: [1, 2, 3])
        let lines = signed.canonicalRequest.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[1] == "/a%20b//c")
        #expect(signed.payloadHash == "UNSIGNED-PAYLOAD")
        #expect(lines.last == "UNSIGNED-PAYLOAD")
    }
}
