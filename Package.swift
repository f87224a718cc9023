// swift-tools-version:6.1
import PackageDescription

// Hot loops need a CPU target with FMA, or Swift SIMD math becomes a libcall per lane
// (see README "Building for your CPU"). The portable baseline is Haswell (AVX2 + FMA) on
// x86-64; arm64 always has FMA. `GPT2_TARGET_CPU=native swift build -c release` builds for
// the local CPU (AVX-512 where present).
let targetCPU = Context.environment["GPT2_TARGET_CPU"] ?? "haswell"

#if arch(x86_64)
let cpuFlags: [String] = ["-target-cpu", targetCPU]
#else
let cpuFlags: [String] = Context.environment["GPT2_TARGET_CPU"].map { ["-target-cpu", $0] } ?? []
#endif

/// Math-heavy targets are optimized even in debug builds, so `swift test` runs real models fast.
let fastSettings: [SwiftSetting] = [.unsafeFlags(cpuFlags + ["-O"])]

let package = Package(
    name: "gpt2",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "gpt2", targets: ["gpt2"]),
        .library(name: "GPT2Tokenizer", targets: ["GPT2Tokenizer"]),
        .library(name: "GPT2Kernels", targets: ["GPT2Kernels"]),
        .library(name: "GPT2Model", targets: ["GPT2Model"]),
        .library(name: "GPT2Generation", targets: ["GPT2Generation"]),
        .library(name: "GPT2Privacy", targets: ["GPT2Privacy"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        // GPT-2's tokenizer files and the default model (Models/default), built into the binary by
        // `.incbin` so that a copied `gpt2` needs nothing beside it.
        .target(
            name: "CGPT2Embedded",
            cSettings: [.headerSearchPath("../GPT2Tokenizer/Resources"), .headerSearchPath("../../Models/default")]
        ),
        .target(
            name: "GPT2Tokenizer", dependencies: ["CGPT2Embedded"], exclude: ["Resources"],
            swiftSettings: fastSettings
        ),
        // Intrinsics for the narrow-format linear kernels; each x86 function names its own target
        // features and is chosen at run time, so no CPU flag is needed here.
        .target(name: "CGPT2Kernels", cSettings: [.unsafeFlags(["-O3", "-ffp-contract=off"])]),
        .target(name: "GPT2Kernels", dependencies: ["CGPT2Kernels"], swiftSettings: fastSettings),
        .target(name: "GPT2Model", dependencies: ["GPT2Kernels"], swiftSettings: fastSettings),
        // The privacy guards' data: the verbatim index, blocklists, personal-detail filters.
        .target(name: "GPT2Privacy", dependencies: ["GPT2Model"], swiftSettings: fastSettings),
        .target(
            name: "GPT2Generation", dependencies: ["GPT2Model", "GPT2Tokenizer", "GPT2Privacy", "CGPT2Embedded"],
            swiftSettings: fastSettings
        ),
        .target(
            name: "GPT2Hub",
            dependencies: [.product(name: "AsyncHTTPClient", package: "async-http-client")],
            swiftSettings: fastSettings
        ),
        .target(name: "GPT2Datasets", dependencies: ["GPT2Tokenizer", "GPT2Privacy"], swiftSettings: fastSettings),
        .target(
            name: "GPT2Training",
            dependencies: ["GPT2Kernels", "GPT2Model", "GPT2Tokenizer", "GPT2Privacy"],
            swiftSettings: fastSettings
        ),
        .target(
            name: "GPT2Server",
            dependencies: ["GPT2Generation", "GPT2Model", "GPT2Tokenizer", "GPT2Privacy", .product(name: "Hummingbird", package: "hummingbird")],
            swiftSettings: fastSettings
        ),
        .executableTarget(
            name: "gpt2",
            dependencies: [
                "GPT2Tokenizer", "GPT2Kernels", "GPT2Model", "GPT2Generation", "GPT2Server", "GPT2Datasets",
                "GPT2Training", "GPT2Hub", "GPT2Privacy",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: fastSettings
        ),
        .testTarget(name: "GPT2TokenizerTests", dependencies: ["GPT2Tokenizer"]),
        .testTarget(name: "GPT2KernelsTests", dependencies: ["GPT2Kernels"]),
        .testTarget(name: "GPT2ModelTests", dependencies: ["GPT2Model", "GPT2Tokenizer"]),
        .testTarget(name: "GPT2GenerationTests", dependencies: ["GPT2Generation", "GPT2Model", "GPT2Tokenizer"]),
        .testTarget(name: "GPT2CLITests", dependencies: ["gpt2"]),
        .testTarget(
            name: "GPT2HubTests",
            dependencies: [
                "GPT2Hub", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(name: "GPT2DatasetsTests", dependencies: ["GPT2Datasets", "GPT2Tokenizer", "GPT2Privacy"]),
        .testTarget(name: "GPT2PrivacyTests", dependencies: ["GPT2Privacy", "GPT2Generation", "GPT2Model", "GPT2Tokenizer"]),
        .testTarget(name: "GPT2TrainingTests", dependencies: ["GPT2Training", "GPT2Model", "GPT2Kernels", "GPT2Tokenizer"]),
        .testTarget(
            name: "GPT2ServerTests",
            dependencies: ["GPT2Server", "GPT2Privacy", .product(name: "HummingbirdTesting", package: "hummingbird")]
        ),
    ]
)
