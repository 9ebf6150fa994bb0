import Primitives
import TinyJSON

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One-JSON-object-per-line logs on stdout (CloudWatch indexes JSON lines). Callers pass only non-secret
/// fields: no credentials, tokens, prompts or agent output are ever handed to it.
public struct JSONLogger: Sendable {
    /// Lines below this level are dropped.
    public let level: LogLevel

    /// A logger at `level`.
    public init(level: LogLevel) { self.level = level }

    /// Writes `message` with `fields` when `at` is enabled.
    public func log(_ at: LogLevel, _ message: String, _ fields: [String: JSONValue] = [:]) {
        guard at >= level else { return }
        var doc = fields
        doc["level"] = .string(at.name)
        doc["msg"] = .string(message)
        doc["ts"] = .number(Double(WallClock.epochMs()))
        Self.emit(JSONValue.object(doc).serialized())
    }

    /// Writes one already-serialised JSON line; one `write` call, so concurrent invocations never interleave
    /// within a line.
    static func emit(_ json: [UInt8]) {
        var line = json
        line.append(0x0A)
        line.withUnsafeBytes { _ = write(1, $0.baseAddress, $0.count) }
    }
}
