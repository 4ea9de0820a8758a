import Tensor
import XCTest
@testable import NN

final class SGDTests: XCTestCase {
    /// Two steps on p = [1, −2] with gradient of L = Σ p² (g = 2p) against torch.optim.SGD:
    /// `SGD([p], lr=0.1, momentum=0.9, weight_decay=0.01, nesterov=N)`, printed by torch 2.15:
    ///   nesterov=False: [0.799, -1.598] → [0.457501024, -0.915002048]
    ///   nesterov=True:  [0.6181, -1.2362] → [0.219237626, -0.438475251]
    func testMatchesPyTorchSemantics() {
        for (nesterov, expected) in [(false, [[0.799, -1.598], [0.457501024, -0.915002048]]),
                                     (true, [[0.6181, -1.2362], [0.219237626, -0.438475251]])] {
            let p = Parameter(Tensor(shape: [2], data: [1, -2]))
            var opt = SGD(parameters: [p], config: SGDConfig(learningRate: 0.1, momentum: 0.9, weightDecay: 0.01, nesterov: nesterov))
            for k in 0..<2 {
                opt.zeroGrad()
                (p.value * p.value).sum().backward()
                opt.step()
                let v = p.value.scalars
                XCTAssertEqual(Double(v[0]), expected[k][0], accuracy: 1e-6, "nesterov \(nesterov) step \(k)")
                XCTAssertEqual(Double(v[1]), expected[k][1], accuracy: 1e-6, "nesterov \(nesterov) step \(k)")
            }
        }
    }

    func testFewStepsDecreaseLossOnSyntheticSet() throws {
        let data = ImageDataset.synthetic(count: 32, channels: 1, height: 8, width: 8, classes: 4, seed: 11)
        let model = try ResNet(ResNetConfig(depth: 18, inputChannels: 1, classes: 4, width: 4, stem: .small), seed: 2)
        var opt = SGD(parameters: model.parameters, config: SGDConfig(learningRate: 0.05, momentum: 0.9))
        let x = Tensor(shape: [32, 1, 8, 8], data: data.images)
        let labels = data.labels.map(Int.init)
        var losses = [Float]()
        for _ in 0..<8 {
            let loss = softmaxCrossEntropy(model(x, context: .training), labels: labels)
            losses.append(loss.scalar)
            opt.zeroGrad()
            loss.backward()
            opt.step()
        }
        XCTAssertLessThan(losses.last ?? .infinity, losses[0] * 0.7, "\(losses)")
    }
}
