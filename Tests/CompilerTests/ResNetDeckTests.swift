import Compiler
import Foundation
import NN
import Tensor
import TestSupport
import Verification
import XCTest

/// A whole ResNet checkpoint (model spec `resnet`, torchvision state names) compiled to decks:
/// every stage of `Lowering.expanded` — stem, each basic block's convs, 1×1 shortcuts and residual
/// adds, the global average pool and the fc — verified per position in Kelvin's simulator, then
/// run as circuits end to end (`--chain`) through the residual blocks.
final class ResNetDeckTests: XCTestCase {
    private var scratch: ScratchDirectory!
    override func setUpWithError() throws { scratch = try ScratchDirectory("resnet-decks") }
    override func tearDownWithError() throws { scratch.remove() }

    /// ResNet-18 (small stem) at width 2: 3→2 stem, stages of 2, 4, 8, 16 channels, fc 16→4.
    static let config = ResNetConfig(depth: 18, inputChannels: 3, classes: 4, width: 2, stem: .small)

    static func data(images: Int) -> ImageDataset {
        ImageDataset.synthetic(count: images, channels: 3, height: 8, width: 8, classes: 4, seed: 7)
    }

    static func compile(images: Int, positions: Int, into dir: String) throws -> Compilation {
        var options = CompileOptions()
        options.images = images; options.positions = positions; options.cellsDirectory = CompileTests.netlists
        let data = Self.data(images: images)
        let compilation = try Compiler.compile(checkpoint: try ResidualBlockTests.checkpoint(.resnet(config)), path: "r18.ckpt", data: data,
                                               options: options)
        try Compiler.write(compilation, to: dir)
        return compilation
    }

    func testTorchvisionNames() {
        let c = Self.config
        XCTAssertEqual(Lowering.torchvisionName("0", c), "conv1")
        XCTAssertEqual(Lowering.torchvisionName("3.2", c), "layer1.1")
        XCTAssertEqual(Lowering.torchvisionName("3.2.body.3", c), "layer1.1.conv2")
        XCTAssertEqual(Lowering.torchvisionName("4.0.body.1", c), "layer2.0.bn1")
        XCTAssertEqual(Lowering.torchvisionName("4.0.shortcut.0", c), "layer2.0.downsample.0")
        XCTAssertEqual(Lowering.torchvisionName("9", c), "fc")
        XCTAssertEqual(Lowering.torchvisionName("7", c), "7")
        var imagenet = c; imagenet.stem = .imagenet
        XCTAssertEqual(Lowering.torchvisionName("4.0.body.0", imagenet), "layer1.0.conv1")
        XCTAssertEqual(Lowering.torchvisionName("10", imagenet), "fc")
    }

    func testResNetCheckpointVerifiesPerPositionAndAsAChain() throws {
        let dir = scratch.url.appendingPathComponent("r18").path
        let compilation = try Self.compile(images: 2, positions: 1, into: dir)
        let stages = compilation.stages
        // Stem, 8 blocks (2 convs + add each, 3 shortcuts), global average pool, flatten, fc.
        XCTAssertEqual(stages.count, 1 + 8 * 3 + 3 + 3)
        XCTAssertEqual(stages.first { $0.index == "3.0.body.0" }?.stateName, "layer1.0.conv1")
        XCTAssertEqual(stages.first { $0.index == "4.0.shortcut.0" }?.batchNorm, "layer2.0.downsample.1")
        let manifest = try XCTUnwrap(compilation.manifest)
        let lowered = Set(stages.filter { $0.kind != .flatten }.map(\.index))
        XCTAssertEqual(Set(manifest.decks.map(\.layer)), lowered)
        let gap = try String(contentsOfFile: dir + "/modules/l7_globalavgpool.cir", encoding: .utf8)
        XCTAssertTrue(gap.contains("summer_avg1 "), gap)  // stage 4 is 1×1 at 8×8 input
        let schedule = try Schedule(path: dir + "/schedule.json")
        XCTAssertEqual(schedule.violations(), [])
        // The identity block's add reads the previous block's output; the downsampling block's body and
        // shortcut both read it too.
        XCTAssertEqual(schedule.slots.first { $0.layer == "3.2" }?.readSecond?.bank, "b3.0")
        XCTAssertEqual(schedule.slots.first { $0.layer == "4.0.shortcut.0" }?.read.bank, "b3.2")
        XCTAssertEqual(schedule.slots.first { $0.layer == "9" }?.read.bank, "b7")

        // Per position: the static decks of image 0 (the switched ones, one per module, take most of
        // the time and are covered by SwitchedDeckTests; KELVIN_FIGURES runs them all, and ngspice).
        let figures = ProcessInfo.processInfo.environment["KELVIN_FIGURES"] != nil
        if figures {
            var o = VerifyOptions(); o.ngspice = true
            print(try Verifier.verify(directory: dir, options: o).summary.joined(separator: "\n"))
        }
        var reduced = manifest
        reduced.decks = manifest.decks.filter { $0.analysis == "op" && $0.image == 0 }
        try reduced.json().write(toFile: dir + "/manifest.json", atomically: true, encoding: .utf8)
        let result = try Verifier.verify(directory: dir, options: VerifyOptions())
        XCTAssertTrue(result.passed, result.summary.joined(separator: "\n"))
        XCTAssertEqual(Set(result.checks.map(\.layer)), lowered)

        // Whole images as circuits: each stage driven by the simulated volts of the banks it reads.
        let chain = try Verifier.chain(directory: dir)
        if figures { print(chain.summary, chain.images.map(\.logits)) }
        XCTAssertEqual(chain.images.count, 2)
        XCTAssertEqual(chain.agreeing, 2, chain.summary)
        // The circuits' logits are the tensor path's (the fc's inputs come from the simulated global
        // average pool, through every block's simulated body, shortcut and add).
        let model = try Model(.resnet(Self.config))
        try model.loadState(from: try ResidualBlockTests.checkpoint(.resnet(Self.config)).arrays, path: "r18.ckpt")
        let data = Self.data(images: 2)
        let x = Tensor(shape: [2, 3, 8, 8], data: Array(data.images[0..<(2 * data.imageSize)]))
        let logits = noGrad { model(x, context: .inference) }.scalars.map { Double($0) }
        let largest = logits.map(abs).max() ?? 1
        for (n, image) in chain.images.enumerated() {
            for (k, v) in image.logits.enumerated() {
                XCTAssertEqual(v, logits[n * 4 + k], accuracy: 0.02 * largest, "image \(n) logit \(k): circuits \(image.logits), tensor \(logits)")
            }
        }
    }
}
