// swift-tools-version:6.0
import Foundation
import PackageDescription

/// The max-plus convolution's micro-benchmark (bench/maxplus/run.sh), built against the checkout
/// two levels up, so that the same source times any revision of Tensor.
let root = URL(fileURLWithPath: Context.packageDirectory + "/../..").standardized

let package = Package(
    name: "MaxPlusBench",
    dependencies: [.package(path: root.path)],
    targets: [
        .executableTarget(name: "maxplus-bench", dependencies: [.product(name: "Tensor", package: root.lastPathComponent),
                                                                         .product(name: "NN", package: root.lastPathComponent)],
                          path: "Sources"),
    ]
)
