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
