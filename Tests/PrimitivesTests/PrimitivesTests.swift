import Testing

@testable import Primitives

@Suite struct Base64Tests {
    @Test(arguments: [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foobar", "Zm9vYmFy")])
    func encodesRFC4648Vectors(_ plain: String, _ encoded: String) {
        #expect(Base64.encode(Array(plain.utf8)) == encoded)
        #expect(Base64.decode(encoded) == Array(plain.utf8))
    }

    @Test func roundTripsAllBytesInBothAlphabets() {
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        #expect(Base64.decode(Base64.encode(bytes)) == bytes)
        let urlSafe = Base64.encode(bytes, alphabet: .urlSafe, padding: false)
        #expect(!urlSafe.contains("+") && !urlSafe.contains("/") && !urlSafe.contains("="))
        #expect(Base64.decode(urlSafe) == bytes)
    }

    @Test func urlSafeAlphabetUsesDashAndUnderscore() {
        #expect(Base64.encode([0xFB, 0xFF], alphabet: .standard) == "+/8=")
        #expect(Base64.encode([0xFB, 0xFF], alphabet: .urlSafe, padding: false) == "-_8")
    }

    @Test func rejectsGarbage() {
        #expect(Base64.decode("ab$d") == nil)
        #expect(Base64.decode("Zg==Zg") == nil)
        #expect(Base64.decode("Zm9vY") == nil)  // one dangling character carries no whole byte
        #expect(Base64.decode("\u{00e9}") == nil)
    }
}

@Suite struct PercentEncodingTests {
    @Test func percentEncodesArnAsOnePathSegment() {
        let arn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/my_agent-AbCdEf1234"
        #expect(PercentEncoding.encode(arn)
            == "arn%3Aaws%3Abedrock-agentcore%3Aus-east-1%3A123456789012%3Aruntime%2Fmy_agent-AbCdEf1234")
        #expect(PercentEncoding.encode("a b/é~", safe: "/") == "a%20b/%C3%A9~")
    }

    @Test func decodeKeepsMalformedEscapesAndPlus() {
        #expect(PercentEncoding.decode("a%20b+c%2") == Array("a b+c%2".utf8))
        #expect(PercentEncoding.decode("%zz%41") == Array("%zzA".utf8))
        #expect(PercentEncoding.encode(bytes: PercentEncoding.decode("%FF%00")) == "%FF%00")
    }
}

@Suite struct HexTests {
    @Test func encodesLowerCase() {
        #expect(Hex.encode([0x00, 0x0F, 0xA5, 0xFF]) == "000fa5ff")
        #expect(Hex.value(of: UInt8(ascii: "F")) == 15 && Hex.value(of: UInt8(ascii: "g")) == nil)
    }
}

@Suite struct ClockTests {
    @Test func monotonicInstantsSaturateInsteadOfTrapping() {
        let start = MonotonicClock.Instant(nanoseconds: 5)
        #expect(start.advanced(by: .seconds(-10)).nanoseconds == 0)
        #expect(MonotonicClock.Instant(nanoseconds: .max - 1).advanced(by: .seconds(1)).nanoseconds == .max)
        #expect(start.advanced(byMilliseconds: 2).nanoseconds == 2_000_005)
        #expect(start.milliseconds(to: start.advanced(byMilliseconds: 1500)) == 1500)
        #expect(start.advanced(byMilliseconds: 1500).milliseconds(to: start) == -1500)
        #expect(start.duration(to: start.advanced(by: .milliseconds(3))) == .milliseconds(3))
    }

    @Test func clocksMove() async throws {
        let clock = MonotonicClock()
        let before = clock.now
        try await clock.sleep(for: .milliseconds(2))
        #expect(before < clock.now)
        #expect(WallClock.epochMs() > 1_700_000_000_000)
    }
}

@Suite struct AWSDateTests {
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
}

@Suite struct LockedTests {
    final class Counter: @unchecked Sendable { var plain = 0 }

    @Test func givesEachCallerTheValueAlone() async {
        // Also a ThreadSanitizer check (`make test-tsan-swift`): `plain` is guarded only by the lock, so a lock
        // TSan cannot see would be reported as a race here.
        let locked = Locked(0)
        let counter = Counter()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    for _ in 0..<2_000 {
                        locked.withLock { n in
                            n += 1
                            counter.plain += 1
                        }
                    }
                }
            }
        }
        #expect(locked.withLock { $0 } == 16_000 && counter.plain == 16_000)
    }
}

@Suite struct HTTPWhitespaceTests {
    @Test func trimsSpacesAndTabsAtBothEndsOnly() {
        #expect(" \t text/event-stream \t".trimmingHTTPWhitespace() == "text/event-stream")
        #expect("a b".trimmingHTTPWhitespace() == "a b")
        #expect(" \t ".trimmingHTTPWhitespace() == "")
        #expect("\nx\n".trimmingHTTPWhitespace() == "\nx\n")  // line breaks are not optional whitespace
        #expect(Array(Array(" v\t".utf8).trimmingHTTPWhitespace()) == Array("v".utf8))
    }

    @Test func trimsBytesEvenWhenACombiningMarkFollows() {
        // " \u{301}" is one Character; HTTP's whitespace is the byte 0x20 all the same.
        #expect(" \u{301}x ".trimmingHTTPWhitespace() == "\u{301}x")
    }
}
