// swift-tools-version:6.0
import PackageDescription

/// Kelvin: a SPICE-style circuit simulator, analog computing cells, and a tensor backend that
/// trains networks through characterised analog behaviour. See Docs/ and ../shared/DESIGN.md.
/// Release builds of Kelvin's Swift targets call metadata accessors directly instead of
/// instantiating concrete generic types from their mangled names: a mangled `[String: Int]` makes
/// the runtime look up `String: Hashable` by scanning every conformance record of the executable
/// (~6,300 records, ~275,000 instructions) the first time per type and protocol, three times in a
/// small deck's run (`kelvin sim`, bench/README.md); the accessor passes the witness table. Every
/// target: the linker keeps one copy of a shared specialisation (`Dictionary<String, Int>`'s
/// resize), whichever module's comes first.
let directMetadataAccess: [SwiftSetting] = [
    .unsafeFlags(["-Xfrontend", "-disable-concrete-type-metadata-mangled-name-accessors"], .when(configuration: .release)),
]

let package = Package(
    name: "Kelvin",
    products: [
        .executable(name: "kelvin", targets: ["kelvin"]),
        .library(name: "Netlist", targets: ["Netlist"]),
        .library(name: "Simulator", targets: ["Simulator"]),
        .library(name: "TransferCurves", targets: ["TransferCurves"]),
        .library(name: "Cells", targets: ["Cells"]),
        .library(name: "Characterization", targets: ["Characterization"]),
        .library(name: "Tensor", targets: ["Tensor"]),
        .library(name: "NN", targets: ["NN"]),
        .library(name: "Compiler", targets: ["Compiler"]),
        .library(name: "Verification", targets: ["Verification"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // C libraries reached through module maps (Debian: libopenblas-dev, liblapack-dev).
        // OpenBLAS and LAPACK are opened with dlopen on first use, not linked (see CBLAS.h): the
        // simulator never calls them, and loading them costs ~3 ms of every `kelvin sim`.
        .target(name: "CBLAS", linkerSettings: [.linkedLibrary("dl")]),
        .target(name: "CLAPACK", dependencies: ["CBLAS"]),
        // Open MPI (Debian: libopenmpi-dev, openmpi-bin), opened with dlopen on first use like
        // OpenBLAS: only a process started by `mpirun` loads it (see CMPI.h).
        .target(name: "CMPI", linkerSettings: [.linkedLibrary("dl")]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        // libjpeg-turbo's TurboJPEG API (Debian: libturbojpeg0-dev): the JPEG files of an ImageFolder data set.
        .systemLibrary(name: "CTurboJPEG", path: "Sources/CTurboJPEG", providers: [.apt(["libturbojpeg0-dev"])]),

        // SuiteSparse KLU sparse LU (Debian: libsuitesparse-dev).
        .systemLibrary(name: "CKLU", path: "Sources/CKLU", providers: [.apt(["libsuitesparse-dev"])]),

        .target(name: "LinearAlgebra", dependencies: ["CBLAS", "CLAPACK", "CKLU"], swiftSettings: directMetadataAccess),
        .target(name: "Netlist", swiftSettings: directMetadataAccess),
        // Header-only C helpers (fast fixed-format number printing for the result writers).
        .systemLibrary(name: "CStdio", path: "Sources/CStdio"),
        .target(name: "Simulator", dependencies: ["LinearAlgebra", "Netlist", "CStdio"], swiftSettings: directMetadataAccess),
        .target(name: "TransferCurves", swiftSettings: directMetadataAccess),
        // The one seedable generator (SplitMix64), shared by Characterization, NN and the tests.
        .target(name: "Randomness", swiftSettings: directMetadataAccess),
        // The processes of a data-parallel job and the sums between them (MPI, or one process).
        .target(name: "Collective", dependencies: ["CMPI"], swiftSettings: directMetadataAccess),
        // Parameterised generators of the analog computing cells: subcircuit + characterisation deck.
        .target(name: "Cells", dependencies: ["Netlist"], swiftSettings: directMetadataAccess),
        .target(name: "Characterization", dependencies: ["Simulator", "Netlist", "Cells", "TransferCurves", "Randomness", "Collective"], swiftSettings: directMetadataAccess),
        // Tensor hot loops in C: one source compiled for baseline, AVX2 and AVX-512 (per-function
        // target attributes), the variant chosen at run time (CKernels.h).
        .target(name: "CKernels", exclude: ["kernels_body.h", "winograd_lanes.h", "winograd4.h", "winograd4_lanes.h"]),
        .target(name: "Tensor", dependencies: ["LinearAlgebra", "CBLAS", "CKernels"], swiftSettings: directMetadataAccess),
        .target(name: "NN", dependencies: ["Tensor", "TransferCurves", "Randomness", "CZlib", "CTurboJPEG", "Collective", "CKernels"], swiftSettings: directMetadataAccess),
        // Lowering of trained layers to netlist modules, decks, manifest and resource report (never the simulator).
        .target(name: "Compiler", dependencies: ["NN", "Tensor", "Cells", "Netlist", "TransferCurves"], swiftSettings: directMetadataAccess),
        // Runs a compile's decks (Kelvin's simulator, optionally ngspice) against the manifest.
        .target(name: "Verification", dependencies: ["Compiler", "Simulator", "Netlist", "NN"], swiftSettings: directMetadataAccess),
        .executableTarget(
            name: "kelvin",
            dependencies: [
                "Netlist", "Simulator", "NN", "TransferCurves", "Cells", "Characterization", "LinearAlgebra", "Collective", "Compiler", "Verification",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            // Start-up of `kelvin sim` (whole process, netlists/summing_amplifier.cir: 12.3 M → 7.6 M
            // instructions): a position-dependent executable (a PIE carried ~79,000 relative
            // relocations, 1.1 M instructions and 180 page faults at every start), and libstdc++,
            // KLU, zlib and TurboJPEG linked statically through the linker scripts in Link/static (see
            // Link/README.md). Release only, which `make build` links with --static-swift-stdlib:
            // against the shared Swift runtime of a debug build, a non-PIE executable makes the
            // dynamic loader warn about protected symbols on stderr.
            // Also in release: no `--export-dynamic`. The executable's 7,000 public Swift symbols in
            // its dynamic symbol table made every symbol look-up slower and the runtime's start-up
            // `dladdr` (the backtracer looking for its helper) scan them all, 230,000 instructions.
            // libgcc static too: one shared library less to map and relocate, and one CPU-feature
            // probe (`__cpu_indicator_init`) less per start.
            swiftSettings: directMetadataAccess,
            linkerSettings: [
                .unsafeFlags(
                    ["-Xclang-linker", "-no-pie", "-L", Context.packageDirectory + "/Link/static",
                     "-Xlinker", "--no-export-dynamic", "-Xclang-linker", "-static-libgcc"],
                    .when(configuration: .release)),
            ]),

        .target(name: "TestSupport", dependencies: ["Randomness"], path: "Tests/TestSupport"),
        .testTarget(name: "LinearAlgebraTests", dependencies: ["LinearAlgebra", "TestSupport"]),
        .testTarget(name: "NetlistTests", dependencies: ["Netlist", "TestSupport"], resources: [.copy("Resources")]),
        .testTarget(
            name: "SimulatorTests", dependencies: ["Simulator", "Netlist", "TestSupport"]),
        .testTarget(name: "CellsTests", dependencies: ["Cells", "Netlist", "Simulator", "TestSupport"]),
        .testTarget(name: "TransferCurvesTests", dependencies: ["TransferCurves", "TestSupport"]),
        .testTarget(
            name: "CharacterizationTests",
            dependencies: ["Characterization", "TransferCurves", "Simulator", "Netlist", "Randomness", "TestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["kelvin", "NN", "Tensor", "TransferCurves", "TestSupport"]),
        .testTarget(name: "CompilerTests", dependencies: ["Compiler", "Verification", "NN", "Tensor", "Netlist", "Simulator", "TestSupport"]),
        .testTarget(name: "TensorTests", dependencies: ["Tensor", "CKernels", "TestSupport"]),
        .testTarget(name: "CollectiveTests", dependencies: ["Collective", "TestSupport"]),
        .testTarget(name: "NNTests", dependencies: ["NN", "Tensor", "TransferCurves", "TestSupport"], exclude: ["Fixtures"]),
    ]
)
