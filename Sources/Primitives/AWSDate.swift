#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A UTC instant with second precision, formatted the way SigV4 needs it.
///
/// Formatting is done by hand from epoch seconds because bootstrap does not import Foundation
/// (ICU and Foundation cost megabytes and cold-start time).
public struct AWSDate: Sendable, Equatable, Hashable {
    /// Seconds since 1970-01-01T00:00:00Z.
    public let epochSeconds: Int64

    /// Creates a date from seconds since the Unix epoch (UTC).
    public init(epochSeconds: Int64) {
        self.epochSeconds = epochSeconds
    }

    /// Parses `YYYY-MM-DDTHH:MM:SSZ` (the only ISO 8601 shape the test vectors and AWS use); `nil` otherwise.
    public init?(iso8601 text: String) {
        let b = Array(text.utf8)
        guard b.count == 20, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"), b[10] == UInt8(ascii: "T"),
              b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"), b[19] == UInt8(ascii: "Z")
        else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            for i in range {
                let byte = b[i]
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int64(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        let days = Self.daysFromCivil(year: year, month: month, day: day)
        self.epochSeconds = days * 86_400 + hour * 3_600 + minute * 60 + second
    }

    /// The current wall-clock time. Uses `clock_gettime` rather than Foundation's `Date`.
    public static func now() -> AWSDate {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return AWSDate(epochSeconds: Int64(spec.tv_sec))
    }

    /// `YYYYMMDD'T'HHMMSS'Z'`, the `X-Amz-Date` header value.
    public var amzDate: String {
        let (year, month, day, hour, minute, second) = components
        return Self.pad(year, 4) + Self.pad(month, 2) + Self.pad(day, 2) + "T" + Self.pad(hour, 2) + Self.pad(minute, 2)
            + Self.pad(second, 2) + "Z"
    }

    /// `YYYYMMDD`, the date part of the credential scope.
    public var dateStamp: String {
        let (year, month, day, _, _, _) = components
        return Self.pad(year, 4) + Self.pad(month, 2) + Self.pad(day, 2)
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ` (ISO 8601, UTC) for an instant in Unix epoch milliseconds.
    public static func iso8601(epochMs: Int64) -> String {
        let ms = ((epochMs % 1000) + 1000) % 1000
        let (year, month, day, hour, minute, second) = AWSDate(epochSeconds: (epochMs - ms) / 1000).components
        return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T" + pad(hour, 2) + ":" + pad(minute, 2) + ":"
            + pad(second, 2) + "." + pad(ms, 3) + "Z"
    }

    private var components: (Int64, Int64, Int64, Int64, Int64, Int64) {
        // Floor division so instants before 1970 still land on the right day.
        let days = epochSeconds >= 0 ? epochSeconds / 86_400 : (epochSeconds - 86_399) / 86_400
        let secondsOfDay = epochSeconds - days * 86_400
        let (year, month, day) = Self.civilFromDays(days)
        return (year, month, day, secondsOfDay / 3_600, (secondsOfDay % 3_600) / 60, secondsOfDay % 60)
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    // Howard Hinnant's civil-calendar algorithms (proleptic Gregorian), exact for any Int64 day count
    // we can meet; see https://howardhinnant.github.io/date_algorithms.html.
    static func civilFromDays(_ z0: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    static func daysFromCivil(year y0: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
