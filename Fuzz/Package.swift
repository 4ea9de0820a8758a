// swift-tools-version:6.0
import PackageDescription

/// libFuzzer targets for every file Kelvin reads (issue 14 §4). Built and run by `make fuzz`:
///
///     swift build --package-path Fuzz -c release --sanitize fuzzer \
///         -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
///
/// Each target is one `main.swift` defining `LLVMFuzzerTestOneInput`; libFuzzer supplies `main`
/// (hence `-parse-as-library`). Both sanitizer spellings are needed: `--sanitize fuzzer` tells
/// SwiftPM not to link a renamed `main` that no file defines, and `-sanitize=fuzzer,address` as
/// one flag instruments every module, Kelvin's included, for coverage and ASan (SwiftPM passes
/// `--sanitize` values as separate `-sanitize=` flags, and swiftc keeps only the last).
/// Seed corpora live in ../fuzz/corpus/<target>/.
let package = Package(
    name: "KelvinFuzz",
    dependencies: [.package(name: "Kelvin", path: "..")],
    targets: [
        .target(name: "FuzzSupport", dependencies: []),
        .executableTarget(name: "fuzz-netlist", dependencies: ["FuzzSupport", .product(name: "Netlist", package: "Kelvin")]),
        .executableTarget(name: "fuzz-lut", dependencies: ["FuzzSupport", .product(name: "TransferCurves", package: "Kelvin")]),
        .executableTarget(name: "fuzz-checkpoint", dependencies: ["FuzzSupport", .product(name: "NN", package: "Kelvin")]),
        .executableTarget(name: "fuzz-safetensors", dependencies: ["FuzzSupport", .product(name: "NN", package: "Kelvin")]),
        .executableTarget(name: "fuzz-steps-csv", dependencies: ["FuzzSupport", .product(name: "NN", package: "Kelvin")]),
        .executableTarget(name: "fuzz-metrics-jsonl", dependencies: ["FuzzSupport", .product(name: "NN", package: "Kelvin")]),
        .executableTarget(name: "fuzz-analog-profile", dependencies: ["FuzzSupport", .product(name: "NN", package: "Kelvin")]),
        .executableTarget(name: "fuzz-json", dependencies: ["FuzzSupport", .product(name: "NN", package: "Kelvin")]),
        .executableTarget(name: "fuzz-idx", dependencies: ["FuzzSupport", .product(name: "NN", package: "Kelvin")]),
        .executableTarget(name: "fuzz-jpeg", dependencies: ["FuzzSupport", .product(name: "NN", package: "Kelvin")]),
        .executableTarget(name: "fuzz-rawfile", dependencies: ["FuzzSupport", .product(name: "Simulator", package: "Kelvin")]),
    ]
)
