// swift-tools-version:6.0
// AgentStream: a Swift AWS Lambda custom runtime that relays AI agent output as Server-Sent Events.
import PackageDescription

// Every module imports what it uses by name (MemberImportVisibility): a helper reached through another module's
// imports is a compile error, so the dependency line stays what Package.swift says.
let strict: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny"), .enableUpcomingFeature("MemberImportVisibility")]

// Everything linked into bootstrap: without the implicit _StringProcessing import, a stray
// `firstRange(of:)` or `replacing(_:with:)` fails to compile instead of linking the regex parser
// (about 1.4 MB of the stripped binary; see bench/RESULTS.md).
// Reflection metadata (field names and layouts for Mirror and the debugger) is left out too: nothing in
// bootstrap reflects over its own types (every error it prints has a description), and it keeps the stripped
// binary under its 12 MB budget.
let product: [SwiftSetting] = strict + [
    .unsafeFlags(["-Xfrontend", "-disable-implicit-string-processing-module-import", "-Xfrontend", "-disable-reflection-metadata"])
]

let package = Package(
    name: "AgentStream",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "bootstrap", targets: ["bootstrap"]),
        .executable(name: "lambda-local", targets: ["lambda-local"]),
    ],
    dependencies: [
        // Dev tool only: lambda-local. Never linked into bootstrap.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // libcurl through pkg-config; the shim wraps the C variadics Swift cannot call.
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        // OpenSSL's libcrypto, already loaded by libcurl for TLS: SHA-256, HMAC and signature checks
        // without pulling Foundation into bootstrap (see bench/RESULTS.md for the measured trade-off).
        .systemLibrary(
            name: "CLibCrypto",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        .target(name: "Primitives", swiftSettings: product),
        .target(name: "TinyJSON", swiftSettings: product),
        .target(name: "CurlHTTP", dependencies: ["CCurl", "Primitives"], swiftSettings: product),
        .target(name: "LambdaRuntime", dependencies: ["CurlHTTP", "TinyJSON", "Primitives"], swiftSettings: product),
        .target(name: "LambdaHTTP", dependencies: ["LambdaRuntime", "TinyJSON", "Primitives"], swiftSettings: product),
        .target(name: "SigV4", dependencies: ["CLibCrypto", "Primitives"], swiftSettings: product),
        .target(
            name: "AgentStream",
            dependencies: ["LambdaRuntime", "LambdaHTTP", "CurlHTTP", "SigV4", "TinyJSON", "Primitives", "CLibCrypto"],
            swiftSettings: product
        ),
        .executableTarget(name: "bootstrap", dependencies: ["AgentStream"], swiftSettings: product),
        .executableTarget(
            name: "lambda-local",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .testTarget(name: "PrimitivesTests", dependencies: ["Primitives"]),
        .testTarget(name: "TinyJSONTests", dependencies: ["TinyJSON"]),
        .testTarget(name: "SigV4Tests", dependencies: ["SigV4", "Primitives"], exclude: ["Vectors"]),
        .testTarget(name: "CurlHTTPTests", dependencies: ["CurlHTTP"]),
        .testTarget(name: "LambdaRuntimeTests", dependencies: ["LambdaRuntime", "TinyJSON", "Primitives"]),
        .testTarget(name: "LambdaHTTPTests", dependencies: ["LambdaHTTP", "TinyJSON"]),
        .testTarget(name: "AgentStreamTests", dependencies: ["AgentStream", "LambdaHTTP", "TinyJSON", "Primitives"]),
    ],
    swiftLanguageModes: [.v6]
)

// libFuzzer targets (Fuzz/, `make fuzz`): one binary, the target chosen at run time. Declared only when the
// fuzz make targets set AGENTSTREAM_FUZZ=1, so a plain `swift build`/`swift test` never compiles it; it is
// built with `-sanitize=fuzzer,address` into .build-fuzz (mk/fuzz.mk) and reaches the code it drives through
// the `package` access level, so nothing is made public for it.
if Context.environment["AGENTSTREAM_FUZZ"] == "1" {
    package.targets += [
        .target(name: "FuzzSupport", path: "Fuzz/Support", swiftSettings: strict),
        .executableTarget(
            name: "fuzz-agentstream",
            dependencies: ["FuzzSupport", "AgentStream", "LambdaHTTP", "LambdaRuntime", "CurlHTTP", "SigV4", "TinyJSON", "Primitives"],
            path: "Fuzz/Targets",
            swiftSettings: strict + [.unsafeFlags(["-parse-as-library"])]),
    ]
}
