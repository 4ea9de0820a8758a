import Foundation
import Tensor
import XCTest
@testable import NN

final class ModelSpecTests: XCTestCase {
    private let specs: [ModelSpec] = [
        .resnet(ResNetConfig(depth: 18, inputChannels: 1, classes: 10, width: 4, stem: .small)),
        .cnn(inputChannels: 1, height: 28, width: 28, classes: 10, channels: 4),
        .mlp(inputs: 784, hidden: [32, 16], classes: 10),
        .sequential([
            .conv2d(in: 3, out: 4, kernel: 3, stride: 2, padding: 1, bias: true),
            .residual(body: .sequential([.relu, .conv2d(in: 4, out: 4, kernel: 1, stride: 1, padding: 0, bias: false)]),
                      shortcut: nil),
            .avgPool2d(kernel: 2, stride: 2, padding: 0), .globalAvgPool, .linear(in: 4, out: 2, bias: false),
        ]),
    ]

    func testJSONRoundTrip() throws {
        for spec in specs {
            let data = try JSONEncoder().encode(spec)
            XCTAssertEqual(try JSONDecoder().decode(ModelSpec.self, from: data), spec, String(decoding: data, as: UTF8.self))
        }
        let text = String(decoding: try JSONEncoder().encode(ModelSpec.linear(in: 3, out: 2, bias: true)), as: UTF8.self)
        XCTAssertTrue(text.contains("\"type\":\"linear\""), text)
    }

    /// Version-1 checkpoints store a bare ResNetConfig.
    func testBareResNetConfigReadsAsResNet() throws {
        let config = ResNetConfig(depth: 34, inputChannels: 3, classes: 100, width: 8, stem: .imagenet)
        let spec = try JSONDecoder().decode(ModelSpec.self, from: try JSONEncoder().encode(config))
        XCTAssertEqual(spec, .resnet(config))
    }

    func testUnknownLayerTypeIsAnError() {
        XCTAssertThrowsError(try JSONDecoder().decode(ModelSpec.self, from: Data(#"{"type":"lstm"}"#.utf8))) { e in
            XCTAssertTrue("\(e)".contains("lstm"), "\(e)")
        }
    }

    /// Shape inference agrees with running the network, and names the first layer that does not fit.
    func testShapesAgreeWithTheForwardPass() throws {
        let inputs: [[Int]] = [[1, 28, 28], [1, 28, 28], [1, 28, 28], [3, 16, 16]]
        for (spec, shape) in zip(specs, inputs) {
            let model = try Model(spec, seed: 1)
            let y = model(Tensor.zeros([2] + shape))
            XCTAssertEqual([2] + (try spec.outputShape(for: shape)), y.shape, spec.summary)
        }
        XCTAssertThrowsError(try specs[1].outputShape(for: [3, 28, 28])) { e in
            XCTAssertTrue("\(e)".contains("model.0 (conv2d)") && "\(e)".contains("1 input channels"), "\(e)")
        }
        XCTAssertThrowsError(try specs[1].outputShape(for: [1, 32, 32])) { e in
            XCTAssertTrue("\(e)".contains("model.9 (linear)"), "\(e)")
        }
        XCTAssertThrowsError(try Model(.linear(in: 0, out: 2, bias: true))) { e in
            XCTAssertTrue("\(e)".contains("positive"), "\(e)")
        }
    }

    /// Parameters carry their state names as labels; sequential state names are indices.
    func testParametersAreLabelledWithTheirStateNames() throws {
        let model = try Model(specs[1])
        for (name, p) in model.namedParameters { XCTAssertEqual(p.label, name) }
        XCTAssertEqual(model.namedParameters.map(\.name),
                       ["0.weight", "1.weight", "1.bias", "4.weight", "5.weight", "5.bias", "9.weight", "9.bias"])
        let resnet = try Model(specs[0])
        XCTAssertEqual(resnet.namedParameters.first?.parameter.label, "conv1.weight")
        XCTAssertEqual(resnet.parameterCount, try ResNet(ResNetConfig(depth: 18, inputChannels: 1, classes: 10, width: 4, stem: .small)).parameterCount)
    }
}
