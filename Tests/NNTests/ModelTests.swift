import Foundation
import Tensor
import XCTest
@testable import NN

final class ModelTests: XCTestCase {
    func testResNetShapesForAllDepths() throws {
        for depth in [18, 34, 50, 101, 152] {
            for stem in ResNetConfig.Stem.allCases {
                let config = ResNetConfig(depth: depth, inputChannels: 3, classes: 7, width: 4, stem: stem)
                let model = try ResNet(config, seed: 1)
                let side = stem == .imagenet ? 32 : 8
                let x = Tensor(shape: [2, 3, side, side], data: (0..<(2 * 3 * side * side)).map { Float($0 % 13) / 13 })
                let y = model(x)
                XCTAssertEqual(y.shape, [2, 7], "depth \(depth) \(stem)")
                let expected = ResNetConfig.stageRepeats[depth] ?? []
                XCTAssertEqual(model.layers.map { $0.layers.count }, expected)
                XCTAssertEqual(model.fc.weight.shape, [7, 4 * 8 * (depth >= 50 ? 4 : 1)])
            }
        }
    }

    func testResNet18ParameterCountMatchesTorchvision() throws {
        // sum(p.numel() for p in torchvision.models.resnet18(num_classes=10).parameters()) == 11_181_642
        XCTAssertEqual(try ResNet(ResNetConfig(depth: 18, classes: 10)).parameterCount, 11_181_642)
    }

    func testStateNamesFollowTorchvision() throws {
        let model = try ResNet(ResNetConfig(depth: 18, inputChannels: 1, classes: 10, width: 4, stem: .small))
        let names = Set(model.stateArrays(prefix: "").map(\.name))
        for n in ["conv1.weight", "bn1.weight", "bn1.running_mean", "layer1.0.conv1.weight", "layer2.0.downsample.0.weight",
                  "layer2.0.downsample.1.running_var", "layer4.1.bn2.bias", "fc.weight", "fc.bias"] {
            XCTAssertTrue(names.contains(n), n)
        }
    }

    func testKaimingInitStatistics() throws {
        var rng = RandomSource(seed: 3)
        let conv = Conv2d(16, 64, kernelSize: 3, rng: &rng)
        let w = conv.weight.value.scalars
        let mean = w.reduce(0, +) / Float(w.count)
        let std = (w.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(w.count)).squareRoot()
        XCTAssertEqual(mean, 0, accuracy: 0.01)
        XCTAssertEqual(std, (2.0 / Float(64 * 9)).squareRoot(), accuracy: 0.004)
        let bn = BatchNorm2d(5)
        XCTAssertEqual(bn.weight.value.scalars, [1, 1, 1, 1, 1])
        XCTAssertEqual(bn.bias.value.scalars, [0, 0, 0, 0, 0])
    }

    func testInvalidDepthIsAnError() {
        XCTAssertThrowsError(try ResNet(ResNetConfig(depth: 20))) { e in XCTAssertTrue("\(e)".contains("depth 20")) }
    }
}
