import Compiler
import NN
import XCTest

/// The lowering of model specs: stages, fusion, polarity, and refusals naming the layer.
final class LoweringTests: XCTestCase {
    func testCNNLowersToConvPoolFlattenLinear() throws {
        let spec = ModelSpec.cnn(inputChannels: 1, height: 28, width: 28, classes: 10, channels: 4)
        let stages = try Lowering.lower(spec, input: [1, 28, 28])
        XCTAssertEqual(stages.map(\.typeName), ["conv2d", "maxpool2d", "conv2d", "maxpool2d", "flatten", "linear"])
        XCTAssertEqual(stages.map(\.index), ["0", "3", "4", "7", "8", "9"])
        XCTAssertEqual(stages[0].batchNorm, "1")
        XCTAssertTrue(stages[0].relu)
        XCTAssertEqual(stages[0].topLevel, [0, 1, 2])
        XCTAssertFalse(stages[5].relu)
        XCTAssertEqual(stages[5].outputShape, [10])
        XCTAssertEqual(stages[2].positions, 14 * 14)
        XCTAssertTrue(stages.allSatisfy { !$0.inputInverted })
    }

    func testUnsupportedLayersAreNamedWithTheirIndex() {
        // A ReLU after a max-pool has no inverted signal to rectify.
        let spec = ModelSpec.sequential([.conv2d(in: 1, out: 2, kernel: 3, stride: 1, padding: 1, bias: false),
                                         .maxPool2d(kernel: 2, stride: 2, padding: 0), .relu])
        XCTAssertThrowsError(try Lowering.lower(spec, input: [1, 8, 8])) { error in
            XCTAssertTrue("\(error)".hasPrefix("layer 2 (relu): not supported by the compiler"), "\(error)")
        }
        let bn = ModelSpec.sequential([.flatten, .batchNorm2d(channels: 3)])
        XCTAssertThrowsError(try Lowering.lower(bn, input: [3, 1, 1])) { error in
            XCTAssertTrue("\(error)".hasPrefix("layer 1 (batchnorm2d)"), "\(error)")
        }
        // A residual add without a ReLU leaves an inverted signal (a summer's), which the next
        // block's identity shortcut cannot add.
        let conv = ModelSpec.conv2d(in: 1, out: 1, kernel: 3, stride: 1, padding: 1, bias: false)
        let block = ModelSpec.residual(body: .sequential([conv]), shortcut: nil)
        XCTAssertNoThrow(try Lowering.lower(.sequential([conv, block]), input: [1, 8, 8]))
        XCTAssertThrowsError(try Lowering.lower(.sequential([conv, block, block]), input: [1, 8, 8])) { error in
            XCTAssertTrue("\(error)".hasPrefix("layer 2 (residual)"), "\(error)")
            XCTAssertTrue("\(error)".contains("an identity shortcut of an inverted signal"), "\(error)")
        }
    }

    func testResNetBlocksGetSummersAndPositiveBodies() throws {
        let stages = try Lowering.lower(.resnet(ResNetConfig(depth: 18, inputChannels: 1, classes: 10, width: 8, stem: .small)), input: [1, 28, 28])
        let adds = stages.filter { $0.typeName == "add" }
        XCTAssertEqual(adds.count, 8)
        XCTAssertTrue(adds.allSatisfy { $0.relu && !$0.outputInverted })
        // The body's last conv (no ReLU) feeds the summer non-inverted.
        let convs = stages.filter { $0.typeName == "conv2d" }
        XCTAssertEqual(convs.count, 1 + 16 + 3)
        XCTAssertEqual(stages.last?.typeName, "linear")
        // Global average pool (a summer) inverts; the fc swaps its pairs.
        XCTAssertTrue(stages.last!.inputInverted)
    }
}
