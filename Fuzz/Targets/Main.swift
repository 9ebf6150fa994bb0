// One libFuzzer binary for every target (one build and one link instead of thirteen); the target is chosen
// by AGENTSTREAM_FUZZ_TARGET. `make fuzz` runs each with its own corpus under Fuzz/corpus/<name>/.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import FuzzSupport

/// A fuzz target: a name (its corpus directory) and a function that checks its invariants on one input.
protocol FuzzTarget: SendableMetatype {
    static var name: String { get }
    static func run(_ input: [UInt8])
}

let targets: [any FuzzTarget.Type] = [
    FuzzSSE.self, FuzzJSON.self, FuzzEvent.self, FuzzMastra.self, FuzzAgentCore.self, FuzzUpstreamErrors.self, FuzzJWT.self,
    FuzzJWK.self, FuzzHead.self, FuzzBase64.self, FuzzPercent.self, FuzzSigV4.self, FuzzConfig.self,
]

let selected: any FuzzTarget.Type = {
    let wanted = getenv("AGENTSTREAM_FUZZ_TARGET").map { String(cString: $0) } ?? ""
    guard let target = targets.first(where: { $0.name == wanted }) else {
        let names = targets.map { $0.name }.joined(separator: " ")
        require(false, "set AGENTSTREAM_FUZZ_TARGET to one of: \(names) (got '\(wanted)')")
        fatalError()
    }
    return target
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    selected.run(fuzzBytes(data, size))
    return 0
}
