#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The process environment as a dictionary (read without Foundation).
public enum Environment {
    /// A snapshot of the current environment.
    public static func current() -> [String: String] {
        var out: [String: String] = [:]
        var p = environ
        while let entry = p.pointee {
            let s = String(cString: entry).utf8
            // Bytes, not Characters: '=' followed by a combining mark is one Character, which hid the split.
            if let eq = s.firstIndex(of: UInt8(ascii: "=")) {
                out[String(decoding: s[..<eq], as: UTF8.self)] = String(decoding: s[s.index(after: eq)...], as: UTF8.self)
            }
            p += 1
        }
        return out
    }
}

/// Reading typed settings out of the environment, each failure naming its variable.
struct EnvironmentReader {
    let env: [String: String]

    /// The value unless unset or empty.
    func string(_ name: String) -> String? { env[name].nonEmpty }

    /// An integer in `range`, or `fallback` when unset.
    func integer(_ name: String, default fallback: Int, range: ClosedRange<Int>, unit: String = "") throws(ConfigError) -> Int {
        guard let raw = string(name) else { return fallback }
        guard let v = Int(raw), range.contains(v) else {
            let what = unit.isEmpty ? "an integer" : "an integer number of \(unit)"
            throw ConfigError(name, "must be \(what) in \(range.lowerBound)...\(range.upperBound), got '\(raw)'")
        }
        return v
    }

    /// Milliseconds in `range`, or `fallback` when unset.
    func milliseconds(_ name: String, default fallback: Int, range: ClosedRange<Int>) throws(ConfigError) -> Int {
        try integer(name, default: fallback, range: range, unit: "milliseconds")
    }

    /// `on`/`off` (also `true`/`false`, `1`/`0`), or `fallback` when unset.
    func flag(_ name: String, default fallback: Bool) throws(ConfigError) -> Bool {
        guard let raw = string(name)?.lowercased() else { return fallback }
        switch raw {
        case "on", "true", "1", "yes": return true
        case "off", "false", "0", "no": return false
        default: throw ConfigError(name, "must be 'on' or 'off', got '\(raw)'")
        }
    }

    /// An `http://` or `https://` URL without trailing slashes, or `fallback` when unset.
    func url(_ name: String, default fallback: String?) throws(ConfigError) -> String? {
        guard let raw = string(name) ?? fallback else { return nil }
        guard raw.hasPrefix("http://") || raw.hasPrefix("https://") else {
            throw ConfigError(name, "must be an http:// or https:// URL")
        }
        return raw.trimmingTrailingSlashes()
    }
}

extension Optional where Wrapped == String {
    /// The value unless it is nil or empty.
    var nonEmpty: String? {
        guard let s = self, !s.isEmpty else { return nil }
        return s
    }
}

extension String {
    /// The string unless it is empty.
    var nonEmpty: String? { isEmpty ? nil : self }
}

extension Unicode.Scalar {
    var isASCIIAlnum: Bool {
        (value >= 48 && value <= 57) || (value >= 65 && value <= 90) || (value >= 97 && value <= 122)
    }
}

extension String {
    /// The string without trailing `/`s (base URLs are joined with paths that start with one).
    func trimmingTrailingSlashes() -> String {
        var s = self
        while s.hasSuffix("/") { s.removeLast() }
        return s
    }
}
