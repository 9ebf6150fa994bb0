import Primitives
import LambdaRuntime
import TinyJSON

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One-JSON-object-per-line logs on stdout (CloudWatch indexes JSON lines). Callers pass only
/// non-secret fields: no credentials, tokens, prompts or agent output are ever handed to it.
public struct Logger: Sendable {
    /// Lines below this level are dropped.
    public let level: LogLevel

    /// A logger at `level`.
    public init(level: LogLevel) { self.level = level }

    /// Writes `message` with `fields` when `at` is enabled.
    public func log(_ at: LogLevel, _ message: String, _ fields: [String: JSONValue] = [:]) {
        guard at >= level else { return }
        var doc = fields
        doc["level"] = .string(Self.name(at))
        doc["msg"] = .string(message)
        doc["ts"] = .number(Double(WallClock.epochMs()))
        var line = JSONValue.object(doc).serialized()
        line.append(0x0A)
        line.withUnsafeBytes { _ = write(1, $0.baseAddress, $0.count) }
    }

    private static func name(_ l: LogLevel) -> String {
        switch l {
        case .debug: "debug"
        case .info: "info"
        case .warn: "warn"
        case .error: "error"
        }
    }
}
