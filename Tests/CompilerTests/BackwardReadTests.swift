import Compiler
import Foundation
import NN
import Tensor
import TestSupport
import Verification
import XCTest

/// The training step's backward read `δ = Wᵀe` through the compiled modules, rows and columns
/// swapped: per position, against the tensor path's `Wᵀ·∂L/∂z`.
final class BackwardReadTests: XCTestCase {
    private var scratch: ScratchDirectory!
    override func setUpWithError() throws { scratch = try ScratchDirectory("backward") }
    override func tearDownWithError() throws { scratch.remove() }

    func compile(_ cell: CellFlavour, name: String) throws -> (VerificationResult, Compilation, Checkpoint, ImageDataset, String) {
        let spec = ModelSpec.sequential([.conv2d(in: 1, out: 3, kernel: 3, stride: 1, padding: 1, bias: true), .relu,
                                         .conv2d(in: 3, out: 4, kernel: 3, stride: 2, padding: 1, bias: false), .batchNorm2d(channels: 4), .relu,
                                         .flatten, .linear(in: 36, out: 3, bias: true)])
        var options = CompileOptions()
        options.cell = cell; options.images = 2; options.positions = 3; options.cellsDirectory = CompileTests.netlists
        let data = ImageDataset.synthetic(count: 2, channels: 1, height: 6, width: 6, classes: 3, seed: 11)
        let ck = try CompileTests.checkpoint(spec)
        let compilation = try Compiler.compile(checkpoint: ck, path: "t", data: data, options: options)
        let dir = scratch.url.appendingPathComponent(name).path
        try Compiler.write(compilation, to: dir)
        var verify = VerifyOptions()
        verify.ngspice = FileManager.default.isExecutableFile(atPath: "/usr/bin/ngspice")
        return (try Verifier.verify(directory: dir, options: verify), compilation, ck, data, dir)
    }

    func testBackwardReadPerPositionMatchesTransposedWeights() throws {
        for cell in CellFlavour.allCases {
            let (result, compilation, ck, data, dir) = try compile(cell, name: cell.rawValue)
            XCTAssertTrue(result.passed, result.summary.joined(separator: "\n"))
            if ProcessInfo.processInfo.environment["KELVIN_FIGURES"] != nil { print(result.summary.joined(separator: "\n")) }
            let manifest = try XCTUnwrap(compilation.manifest)
            // The first conv's input gradient is not needed: backward decks for the second conv and the linear layer.
            let backward = manifest.decks.filter { $0.type.hasSuffix("-backward") }
            XCTAssertEqual(Set(backward.map(\.layer)), ["2", "6"])
            XCTAssertEqual(backward.filter { $0.layer == "2" }.count, 2 * 3)
            XCTAssertEqual(backward.first { $0.layer == "2" }?.outputs.count, 27)
            for layer in ["2", "6"] {
                let worst = result.checks.filter { $0.layer == layer + " (backward)" }.map(\.errorDigital).max() ?? .infinity
                XCTAssertLessThan(worst, 0.005 * result.fullScale, "\(cell) layer \(layer): " + result.summary.joined(separator: "\n"))
            }
            let text = try String(contentsOfFile: dir + "/modules/l6_linear_bwd.cir", encoding: .utf8)
            XCTAssertTrue(text.contains(".subckt l6_linear_bwd e1 e2 e3 vcc vee u1 "), String(text.prefix(600)))

            // Independently of the compiler: the classifier's e = (softmax(z) − onehot)/N and δ = Wᵀe,
            // against the manifest's digital values divided by the module's volts per unit.
            let model = try Model(ModelSpec.sequential([.conv2d(in: 1, out: 3, kernel: 3, stride: 1, padding: 1, bias: true), .relu,
                                                       .conv2d(in: 3, out: 4, kernel: 3, stride: 2, padding: 1, bias: false), .batchNorm2d(channels: 4), .relu,
                                                       .flatten, .linear(in: 36, out: 3, bias: true)]))
            try model.loadState(from: ck.arrays, path: "t")
            let x = Tensor(shape: [2, 1, 6, 6], data: data.images)
            let output: Tensor = noGrad { model(x, context: .inference) }
            let logits: [Double] = output.scalars.map { Double($0) }
            let w: [Double] = try XCTUnwrap(ck.arrays.first { $0.name == "model.6.weight" }).values.map { Double($0) }
            for deck in backward where deck.layer == "6" {
                let z: [Double] = Array(logits[(deck.image * 3)..<(deck.image * 3 + 3)])
                let top = z.max()!
                let exps: [Double] = z.map { exp($0 - top) }
                let sum = exps.reduce(0, +)
                let label = Int(data.labels[deck.image])
                var e = [Double]()
                for o in 0..<3 { e.append((exps[o] / sum - (o == label ? 1 : 0)) / 2) }
                var delta = [Double](repeating: 0, count: 36)
                for r in 0..<36 { for o in 0..<3 { delta[r] += w[o * 36 + r] * e[o] } }
                let scale = deck.outputs[0].digital / delta[0]
                for (r, o) in deck.outputs.enumerated() { XCTAssertEqual(o.digital, scale * delta[r], accuracy: 1e-4 * abs(scale), "row \(r)") }
                let simulated = result.checks.filter { $0.deck == deck.path }.map(\.simulated)
                for (r, v) in simulated.enumerated() { XCTAssertEqual(v / scale, delta[r], accuracy: 0.01 * 10 / abs(scale)) }
            }
        }
    }
}

/// The training step in the report and the schedule.
final class TrainingStepTests: XCTestCase {
    func testMLPTrainingResourcesEqualClosedForm() throws {
        // linear 16→8 + ReLU (the first: no backward read), linear 8→3: R, B = 1, M, one tile, one position.
        let report = try ResourceReport(spec: .mlp(inputs: 16, hidden: [8], classes: 3), input: [1, 4, 4], cell: .vcr, rowsPerTile: 256)
        let t = report.trainingTotal
        // Updates: (R + B) + 2M op-amps, 2(R + B)M write switches; backward read of the second: 2R + 1 + M op-amps.
        XCTAssertEqual(t.opAmps, (17 + 16) + (2 * 8 + 1 + 3) + (9 + 6))
        XCTAssertEqual(t.multiplyCells, 2 * 3)
        XCTAssertEqual(t.capacitors, 2 * 3 + 3 + 8)
        XCTAssertEqual(t.switches, 2 * 17 * 8 + (8 + 1 + 2 * 3 + 3 + 8) + 2 * 9 * 3)
        XCTAssertEqual(t.slots, 3)
        XCTAssertEqual(t.flops, (2 * 16 * 8 + 8) + 2 * 8 * 3 + (2 * 8 * 3 + 3))
        XCTAssertEqual(report.trainingOperations.weightWrite, 2 * 17 * 8 + 2 * 9 * 3)
        XCTAssertTrue(report.markdown.contains("## Training step"), report.markdown)
        // Resistor cells: no weight update, the backward read only.
        let resistor = try ResourceReport(spec: .mlp(inputs: 16, hidden: [8], classes: 3), input: [1, 4, 4], cell: .resistor, rowsPerTile: 256)
        XCTAssertEqual(resistor.trainingTotal.slots, 1)
        XCTAssertTrue(resistor.markdown.contains("a training step has no weight update"))
    }

    func testTrainingScheduleIsSoundAndCountsItsSlots() throws {
        let spec = ModelSpec.cnn(inputChannels: 1, height: 8, width: 8, classes: 3, channels: 2)
        var options = CompileOptions()
        options.images = 1; options.positions = 1; options.cellsDirectory = CompileTests.netlists
        let compilation = try Compiler.compile(checkpoint: try CompileTests.checkpoint(spec), path: "t",
                                               data: CompileTests.data(1, 8, 8), options: options)
        let text = try XCTUnwrap(compilation.files.first { $0.path == "schedule.json" }).text
        let schedule = try JSONDecoder().decode(Schedule.self, from: Data(text.utf8))
        XCTAssertEqual(schedule.violations(), [])
        let training = try XCTUnwrap(schedule.training)
        // Linear: backward 1 + update 1; max-pool 7: 4; conv 4: backward 16 + update 16; max-pool 3: 16; conv 0: update 64.
        XCTAssertEqual(training.count, 2 + 4 + 32 + 16 + 64)
        XCTAssertEqual(compilation.report.trainingTotal.slots, training.count)
        XCTAssertEqual(training.first?.read.bank, "loss")
        XCTAssertEqual(training.filter { $0.phase == "update" }.map(\.layer).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }, ["9", "4", "0"])
        XCTAssertEqual(training.first { $0.layer == "4" && $0.phase == "backward" }?.read.bank, "d7")
        XCTAssertEqual(training.first { $0.layer == "4" && $0.phase == "update" }?.read.bank, "b3")
        XCTAssertTrue(training.allSatisfy { $0.start >= schedule.latency - 1e-12 })
        XCTAssertEqual(try XCTUnwrap(compilation.report.trainingLatency), training.reduce(0) { $0 + $1.duration }, accuracy: 1e-12)
        // Reading errors nobody wrote is caught: drop the linear layer's backward read.
        var broken = schedule
        broken.training!.removeAll { $0.layer == "9" && $0.phase == "backward" }
        XCTAssertTrue(broken.violations().contains { $0.contains("reads d9[") }, "\(broken.violations().prefix(2))")
    }
}
