import Compiler
import Foundation
import NN
import Tensor
import TestSupport
import Verification
import XCTest

/// The training step's weight update as charge onto the capacitor weight cells (`.tran` decks of
/// `WeightUpdateModule`): the simulated change of every weight pair against `−η·Σ_p e·xᵀ`.
final class WeightUpdateDeckTests: XCTestCase {
    private var scratch: ScratchDirectory!
    override func setUpWithError() throws { scratch = try ScratchDirectory("update") }
    override func tearDownWithError() throws { scratch.remove() }

    static let spec = ModelSpec.sequential([.conv2d(in: 1, out: 3, kernel: 3, stride: 1, padding: 1, bias: true), .relu,
                                            .conv2d(in: 3, out: 4, kernel: 3, stride: 2, padding: 1, bias: false), .batchNorm2d(channels: 4), .relu,
                                            .flatten, .linear(in: 36, out: 3, bias: true)])

    func testWeightUpdateChargesTheWeightCells() throws {
        var options = CompileOptions()
        options.images = 2; options.positions = 3; options.cellsDirectory = CompileTests.netlists
        options.updateDecks = true
        let data = ImageDataset.synthetic(count: 2, channels: 1, height: 6, width: 6, classes: 3, seed: 11)
        let ck = try CompileTests.checkpoint(Self.spec)
        let compilation = try Compiler.compile(checkpoint: ck, path: "t", data: data, options: options)
        let dir = scratch.url.appendingPathComponent("vcr").path
        try Compiler.write(compilation, to: dir)
        var manifest = try XCTUnwrap(compilation.manifest)
        let updates = manifest.decks.filter { $0.type.hasSuffix("-update") }
        // Every weighted layer (the first too: its update needs no input gradient), one deck per image.
        XCTAssertEqual(updates.map(\.layer), ["0", "0", "2", "2", "6", "6"])
        XCTAssertEqual(updates.first { $0.layer == "2" }?.outputs.count, 27 * 4)
        let module = try String(contentsOfFile: dir + "/modules/l6_linear_upd.cir", encoding: .utf8)
        XCTAssertTrue(module.contains(".subckt l6_linear_upd e1 e2 e3 en1 en2 en3 pp1 "), String(module.prefix(800)))

        manifest.decks = updates
        try manifest.json().write(toFile: dir + "/manifest.json", atomically: true, encoding: .utf8)
        var verify = VerifyOptions()
        verify.ngspice = ProcessInfo.processInfo.environment["KELVIN_FIGURES"] != nil
        let result = try Verifier.verify(directory: dir, options: verify)
        if verify.ngspice { print(result.summary.joined(separator: "\n")) }
        XCTAssertTrue(result.passed, result.summary.joined(separator: "\n"))
        XCTAssertEqual(Set(result.checks.map(\.layer)), ["0 (update)", "2 (update)", "6 (update)"])
        let worst = result.checks.map(\.errorDigital).max() ?? .infinity
        XCTAssertLessThan(worst, 0.002 * result.fullScale, result.summary.joined(separator: "\n"))

        // Independently of the compiler: the linear layer's change is ∝ −e_o·x_r with e = (softmax − onehot)/N
        // and x its flattened input (one position; one weight scale for all outputs).
        let model = try Model(Self.spec)
        try model.loadState(from: ck.arrays, path: "t")
        let images = Tensor(shape: [2, 1, 6, 6], data: data.images)
        var features = images
        noGrad { for layer in (model.network as! Sequential).layers.prefix(6) { features = layer(features, context: .inference) } }
        let logits: [Double] = noGrad { model(images, context: .inference) }.scalars.map { Double($0) }
        for deck in updates where deck.layer == "6" {
            let n = deck.image
            let z = Array(logits[(n * 3)..<(n * 3 + 3)])
            let top: Double = z.max() ?? 0
            let exps: [Double] = z.map { exp($0 - top) }
            let total: Double = exps.reduce(0, +)
            let label = Int(data.labels[n])
            var e = [Double]()
            for o in 0..<3 { e.append((exps[o] / total - (o == label ? 1.0 : 0.0)) / 2) }
            let x = features.scalars[(n * 36)..<(n * 36 + 36)].map { Double($0) }
            var ratio: Double? = nil
            for r in 0..<36 {
                for o in 0..<3 where abs(e[o] * x[r]) > 1e-3 {
                    let value = deck.outputs[r * 3 + o].digital / (-e[o] * x[r])
                    if let ratio { XCTAssertEqual(value, ratio, accuracy: 1e-6 * abs(ratio), "row \(r), output \(o)") } else { ratio = value }
                }
            }
            XCTAssertGreaterThan(ratio ?? 0, 0)
        }
        // Resistor cells hold fixed conductances: no update to write, said before anything is written.
        options.cell = .resistor
        XCTAssertThrowsError(try Compiler.compile(checkpoint: ck, path: "t", data: data, options: options)) {
            XCTAssertTrue("\($0)".contains("--update-decks needs --cell vcr"), "\($0)")
        }
    }
}
