import Testing
@testable import SigV4

@Suite struct SigV4UnitTests {
    @Test func percentEncodesArnAsOnePathSegment() {
        let arn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/my_agent-AbCdEf1234"
        #expect(percentEncode(arn)
            == "arn%3Aaws%3Abedrock-agentcore%3Aus-east-1%3A123456789012%3Aruntime%2Fmy_agent-AbCdEf1234")
        #expect(percentEncode("a b/é~", safe: "/") == "a%20b/%C3%A9~")
    }

    @Test func formatsDatesWithoutFoundation() {
        #expect(AWSDate(epochSeconds: 0).amzDate == "19700101T000000Z")
        #expect(AWSDate(epochSeconds: 951_782_400).amzDate == "20000229T000000Z")  // leap day of a 400-year leap year
        #expect(AWSDate(epochSeconds: 1_440_938_160).amzDate == "20150830T123600Z")
        #expect(AWSDate(epochSeconds: 4_102_444_799).amzDate == "20991231T235959Z")
        #expect(AWSDate(epochSeconds: -1).amzDate == "19691231T235959Z")
        #expect(AWSDate(epochSeconds: 1_440_938_160).dateStamp == "20150830")
        #expect(AWSDate(iso8601: "2015-08-30T12:36:00Z")?.epochSeconds == 1_440_938_160)
        #expect(AWSDate(iso8601: "2015-08-30 12:36:00") == nil)
        for seconds in stride(from: Int64(-86_400 * 800), to: 86_400 * 366 * 140, by: 86_400 * 37 + 3_601) {
            let date = AWSDate(epochSeconds: seconds)
            let amz = Array(date.amzDate)
            let iso = "\(String(amz[0..<4]))-\(String(amz[4..<6]))-\(String(amz[6..<8]))T"
                + "\(String(amz[9..<11])):\(String(amz[11..<13])):\(String(amz[13..<15]))Z"
            #expect(AWSDate(iso8601: iso) == date, "round trip \(seconds)")
        }
        #expect(AWSDate.now().epochSeconds > 1_700_000_000)
    }

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
