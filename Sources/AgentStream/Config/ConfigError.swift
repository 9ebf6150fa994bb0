/// A configuration problem found at start-up; the message names the variable.
public struct ConfigError: Error, CustomStringConvertible, Sendable {
    /// The environment variable at fault.
    public let variable: String
    /// What is wrong with it.
    public let problem: String

    /// An error about `variable`.
    public init(_ variable: String, _ problem: String) {
        self.variable = variable
        self.problem = problem
    }

    public var description: String { "\(variable): \(problem)" }
}
