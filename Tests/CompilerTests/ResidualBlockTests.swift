import Compiler
import Foundation
import NN
import Tensor
import TestSupport
import Verification
import XCTest

/// ResNet-18's blocks as circuits: the small stem, a basic block with an identity shortcut and a
/// downsampling block with its 1×1 shortcut, all at width 16, taken from `Lowering.expanded` (so
/// they are exactly what a ResNet-18 of width 16 lowers to), compiled and verified per position in
/// Kelvin's simulator against the tensor path.
final class ResidualBlockTests: XCTestCase {
    private var scratch: ScratchDirectory!
    override func setUpWithError() throws { scratch = try ScratchDirectory("residual") }
    override func tearDownWithError() throws { scratch.remove() }

    /// Stem, block 1 of stage 1 (identity shortcut) and block 1 of stage 2 (stride 2, 1×1 shortcut),
    /// each block followed by its ReLU, as a sequential network.
    static func resnetBlocks(width: Int = 16) -> ModelSpec {
        guard case .sequential(let layers) = Lowering.expanded(ResNetConfig(depth: 18, inputChannels: 3, classes: 10, width: width, stem: .small)),
              case .sequential(let stage1) = layers[3], case .sequential(let stage2) = layers[4] else { return .sequential([]) }
        return .sequential(Array(layers[0..<3]) + Array(stage1[0..<2]) + Array(stage2[0..<2]))
    }

    /// A checkpoint whose batch norms (at any depth) carry random statistics, so that folding is
    /// exercised inside the blocks too.
    static func checkpoint(_ spec: ModelSpec, seed: UInt64 = 3) throws -> Checkpoint {
        let model = try Model(spec, seed: seed)
        var rng = SeededGenerator(seed: seed)
        var arrays = model.stateArrays()
        let norms = Set(arrays.filter { $0.name.hasSuffix(".running_mean") }.map { String($0.name.dropLast("running_mean".count)) })
        for k in arrays.indices {
            guard let prefix = norms.first(where: { arrays[k].name.hasPrefix($0) }) else { continue }
            let suffix = arrays[k].name.dropFirst(prefix.count)
            arrays[k].values = arrays[k].values.map { _ in
                switch suffix {
                case "weight": Float(Double.random(in: 0.5...1.5, using: &rng) * (Bool.random(using: &rng) ? 1 : -1))
                case "running_var": Float(Double.random(in: 0.5...2, using: &rng))
                case "num_batches_tracked": 0
                default: Float(Double.random(in: -0.5...0.5, using: &rng))
                }
            }
        }
        return Checkpoint(header: CheckpointHeader(model: spec), arrays: arrays)
    }

    func testResNet18BlocksVerifyPerPosition() throws {
        let spec = Self.resnetBlocks()
        let stages = try Lowering.lower(spec, input: [3, 8, 8])
        XCTAssertEqual(stages.map(\.index), ["0", "3.body.0", "3.body.3", "3", "5.body.0", "5.body.3", "5.shortcut.0", "5"])
        var options = CompileOptions()
        options.images = 1; options.positions = 2; options.cellsDirectory = CompileTests.netlists
        let data = ImageDataset.synthetic(count: 1, channels: 3, height: 8, width: 8, classes: 3, seed: 7)
        let compilation = try Compiler.compile(checkpoint: try Self.checkpoint(spec), path: "r18.ckpt", data: data, options: options)
        let dir = scratch.url.appendingPathComponent("blocks").path
        try Compiler.write(compilation, to: dir)
        let manifest = try XCTUnwrap(compilation.manifest)
        XCTAssertEqual(Set(manifest.decks.map(\.layer)), Set(stages.map(\.index)))
        let add = try String(contentsOfFile: dir + "/modules/l5_add.cir", encoding: .utf8)
        XCTAssertTrue(add.contains(".subckt l5_add b1 "), add)
        XCTAssertTrue(add.contains("XR32 y32 r32 vcc vee precision_rectifier"), add)

        // The schedule reads the add's two inputs from the body's and the shortcut's banks.
        let schedule = try Schedule(path: dir + "/schedule.json")
        XCTAssertEqual(schedule.violations(), [])
        let addSlots = schedule.slots.filter { $0.layer == "5" }
        XCTAssertEqual(addSlots.count, 16)
        XCTAssertEqual(addSlots[0].read.bank, "b5.body.3")
        XCTAssertEqual(addSlots[0].readSecond?.bank, "b5.shortcut.0")
        // The identity block's add reads the block's input (the stem's rectified outputs).
        XCTAssertEqual(schedule.slots.first { $0.layer == "3" }?.readSecond?.bank, "b0")
        XCTAssertEqual(schedule.slots.first { $0.layer == "5.body.0" }?.read.bank, "b3")
        XCTAssertEqual(schedule.slots.first { $0.layer == "5.shortcut.0" }?.read.bank, "b3")

        let result = try Verifier.verify(directory: dir, options: VerifyOptions())
        if ProcessInfo.processInfo.environment["KELVIN_FIGURES"] != nil {
            var o = VerifyOptions(); o.ngspice = true
            print(try Verifier.verify(directory: dir, options: o).summary.joined(separator: "\n"))
        }
        XCTAssertTrue(result.passed, result.summary.joined(separator: "\n"))
        // Every stage is checked, rectified outputs included.
        XCTAssertEqual(Set(result.checks.map(\.layer).filter { !$0.hasSuffix("(tran)") }), Set(stages.map(\.index)))
        for layer in ["3", "5"] {
            let worst = result.checks.filter { $0.layer == layer }.map(\.errorDigital).max() ?? .infinity
            XCTAssertLessThan(worst, 0.002 * result.fullScale, "add \(layer): " + result.summary.joined(separator: "\n"))
        }
        // --chain runs through the blocks (body, 1×1 shortcut or identity, add): the last add's
        // simulated outputs over its volts per unit are the tensor path's activations.
        let chain = try Verifier.chain(directory: dir)
        let model = try Model(spec)
        try model.loadState(from: try Self.checkpoint(spec).arrays, path: "r18.ckpt")
        let expected = noGrad { model(Tensor(shape: [1, 3, 8, 8], data: data.images), context: .inference) }.scalars.map { Double($0) }
        let circuits = try XCTUnwrap(chain.images.first).logits
        XCTAssertEqual(circuits.count, expected.count)
        let largest = expected.map(abs).max() ?? 1
        let worst = zip(circuits, expected).map { abs($0 - $1) }.max() ?? .infinity
        XCTAssertLessThan(worst, 0.02 * largest, "chained block outputs differ from the tensor path by \(worst) (largest \(largest))")
        // The adds' switched decks hold the static result.
        let switched = result.checks.filter { $0.layer == "5 (tran)" }
        XCTAssertEqual(switched.count, 32)
        XCTAssertTrue(switched.allSatisfy { $0.errorSwitching! < 1e-3 }, result.summary.joined(separator: "\n"))
    }
}
