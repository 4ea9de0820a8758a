import Foundation
import Tensor
import TestSupport
import XCTest
@testable import NN

/// Records every stage it sees and computes it digitally (or with ReLU replaced by the identity).
private final class TracingProfile: ExecutionProfile, @unchecked Sendable {
    var trace: [String] = []
    let skipReLU: Bool
    init(skipReLU: Bool = false) { self.skipReLU = skipReLU }
    var name: String { "trace" }
    func apply(_ operation: NN.Operation, to inputs: [Tensor], context: ForwardContext) -> Tensor {
        switch operation {
        case .conv2d(let c): trace.append("conv2d:" + c.weight.label)
        case .linear(let l): trace.append("linear:" + l.weight.label)
        case .batchNorm(let b): trace.append("batchNorm:" + b.weight.label)
        default: trace.append(operation.name)
        }
        if skipReLU, case .relu = operation { return inputs[0] }
        return operation.digital(inputs, training: context.training)
    }
}

final class ExecutionProfileTests: XCTestCase {
    private func input(_ shape: [Int], seed: UInt64 = 1) -> Tensor {
        var rng = RandomSource(seed: seed)
        return Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in rng.nextNormal() })
    }

    /// Every stage of a ResNet goes through the profile, in order, with the layers' state names.
    func testProfileSeesEveryStageOfAResNetBlock() throws {
        let model = try Model(.resnet(ResNetConfig(depth: 18, inputChannels: 1, classes: 3, width: 2, stem: .imagenet)))
        let profile = TracingProfile()
        _ = model(input([2, 1, 32, 32]), context: ForwardContext(training: false, profile: profile))
        XCTAssertEqual(Array(profile.trace.prefix(4)), ["conv2d:conv1.weight", "batchNorm:bn1.weight", "relu", "maxPool2d"])
        XCTAssertEqual(Array(profile.trace[4..<12]), [
            "conv2d:layer1.0.conv1.weight", "batchNorm:layer1.0.bn1.weight", "relu", "conv2d:layer1.0.conv2.weight",
            "batchNorm:layer1.0.bn2.weight", "add", "relu", "conv2d:layer1.1.conv1.weight",
        ])
        // The first block of stage 2 has a downsampling shortcut before the add.
        let i = try XCTUnwrap(profile.trace.firstIndex(of: "conv2d:layer2.0.downsample.0.weight"))
        XCTAssertEqual(Array(profile.trace[(i - 1)...(i + 3)]),
                       ["batchNorm:layer2.0.bn2.weight", "conv2d:layer2.0.downsample.0.weight",
                        "batchNorm:layer2.0.downsample.1.weight", "add", "relu"])
        XCTAssertEqual(Array(profile.trace.suffix(2)), ["globalAvgPool", "linear:fc.weight"])
        XCTAssertEqual(profile.trace.filter { $0 == "add" }.count, 8)
        XCTAssertEqual(profile.trace.filter { $0 == "relu" }.count, 17)
    }

    /// The digital profile reproduces the network exactly, and a profile's change to a stage
    /// reaches the output (the stages are not computed around it).
    func testProfileResultsReachTheOutput() throws {
        let model = try Model(.cnn(inputChannels: 1, height: 8, width: 8, classes: 4, channels: 3), seed: 3)
        let x = input([2, 1, 8, 8])
        let digital = model(x, context: .inference).scalars
        XCTAssertEqual(model(x, context: ForwardContext(training: false, profile: TracingProfile())).scalars, digital)
        let changed = model(x, context: ForwardContext(training: false, profile: TracingProfile(skipReLU: true))).scalars
        XCTAssertNotEqual(changed, digital)
        let trace = TracingProfile()
        _ = model(x, context: ForwardContext(training: false, profile: trace))
        XCTAssertEqual(trace.trace, ["conv2d:0.weight", "batchNorm:1.weight", "relu", "maxPool2d", "conv2d:4.weight",
                                     "batchNorm:5.weight", "relu", "maxPool2d", "flatten", "linear:9.weight"])
    }

    /// Draws are a pure function of (seed, step, site): repeatable, independent of order, and
    /// different across sites, steps and seeds.
    func testNoiseStreamIsAPureFunctionOfSeedStepAndSite() {
        func draws(_ s: NoiseStream, _ site: String) -> [Float] {
            var g = s.generator(for: site)
            return (0..<4).map { _ in g.nextNormal() }
        }
        let a = NoiseStream(seed: 5, step: 10)
        let first = draws(a, "conv1.weight/read")
        _ = draws(a, "fc.weight/read")
        XCTAssertEqual(draws(a, "conv1.weight/read"), first)
        XCTAssertEqual(draws(NoiseStream(seed: 5, step: 10), "conv1.weight/read"), first)
        XCTAssertNotEqual(draws(a, "fc.weight/read"), first)
        XCTAssertNotEqual(draws(NoiseStream(seed: 5, step: 11), "conv1.weight/read"), first)
        XCTAssertNotEqual(draws(NoiseStream(seed: 6, step: 10), "conv1.weight/read"), first)
        // FNV-1a of "a" (a published test vector): the hash does not change between processes.
        XCTAssertEqual(NoiseStream.fnv1a("a"), 0xAF63_DC4C_8601_EC8C)
    }

    func testRecordsCompareTablesAndNames() {
        let a = ProfileRecord(name: "cells-vcr", tables: ["nmos_vcr_amplifier": "ab12"])
        XCTAssertNil(a.difference(from: a))
        XCTAssertTrue(a.difference(from: .digital)?.contains("profile 'digital'") ?? false)
        let changed = ProfileRecord(name: "cells-vcr", tables: ["nmos_vcr_amplifier": "cd34"])
        XCTAssertTrue(a.difference(from: changed)?.contains("table 'nmos_vcr_amplifier'") ?? false)
    }
}
