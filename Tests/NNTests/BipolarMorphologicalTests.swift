import TestSupport
import XCTest
@testable import NN
@testable import Tensor

/// Bipolar-morphological layers: exactness where the paper's approximation is exact, batch-norm
/// folding, the spec's JSON form, the composed gradient, and the gate table against seed 003.
final class BipolarMorphologicalTests: XCTestCase {
    /// With fan-in 1 each output has one product, so the BM layer equals the classical one.
    func testFanInOneEqualsClassical() throws {
        var rng = RandomSource(seed: 1)
        let conv = Conv2d(1, 3, kernelSize: 1, bias: true, rng: &rng)
        conv.bias!.assign(Tensor(shape: [3], data: [0.1, -0.2, 0.3]))
        let x = Tensor(shape: [2, 1, 3, 3], data: (0..<18).map { Float($0) * 0.37 - 3 })
        let bm = BMConv2d(converting: conv)
        let a = conv(x).scalars, b = bm(x).scalars
        for i in a.indices { XCTAssertEqual(a[i], b[i], accuracy: 1e-5 * (1 + abs(a[i]))) }
        let linear = Linear(1, 4, rng: &rng)
        let z = Tensor(shape: [3, 1], data: [-1.5, 0, 2.25])
        let c = linear(z).scalars, d = BMLinear(converting: linear)(z).scalars
        for i in c.indices { XCTAssertEqual(c[i], d[i], accuracy: 1e-5 * (1 + abs(c[i]))) }
    }

    /// A hand-worked neuron: x = (1, −2, 3), w = (0.5, 0.25, −1), b = 0.1.
    /// Products: 0.5 (x+,w+), −0.5 (x−,w+ → −exp(ln 2 + ln 0.25)), −3 (x+,w−): BM = 0.5 − 0.5 − 3 + 0.1.
    func testHandWorkedNeuron() {
        let v = BipolarMorphological.logWeights(Tensor(shape: [1, 3], data: [0.5, 0.25, -1]))
        let y = BipolarMorphological.linear(Tensor(shape: [1, 3], data: [1, -2, 3]), plus: v.plus, minus: v.minus,
                                            bias: Tensor(shape: [1], data: [0.1]))
        XCTAssertEqual(y.scalar, -2.9, accuracy: 1e-5)
        // Two positive products 0.5 and 3·0.5: only the larger survives the max.
        let u = BipolarMorphological.logWeights(Tensor(shape: [1, 2], data: [0.5, 0.5]))
        let z = BipolarMorphological.linear(Tensor(shape: [1, 2], data: [1, 3]), plus: u.plus, minus: u.minus, bias: nil)
        XCTAssertEqual(z.scalar, 1.5, accuracy: 1e-5)
    }

    func testComposedGradientMatchesFiniteDifferences() {
        var rng = RandomSource(seed: 4)
        let conv = Conv2d(2, 3, kernelSize: 3, padding: 1, bias: true, rng: &rng)
        let bm = BMConv2d(converting: conv)
        let x = Tensor(shape: [1, 2, 4, 4], data: (0..<32).map { _ in rng.nextNormal() })
        let weights = (0..<48).map { _ in rng.nextNormal() }
        func loss(_ plus: [Float]) -> Double {
            let y = noGrad { BipolarMorphological.conv2d(x, plus: Tensor(shape: bm.plus.shape, data: plus),
                                                        minus: bm.minus.value, bias: bm.bias.value, stride: 1, padding: 1) }
            return zip(y.scalars, weights).reduce(0) { $0 + Double($1.0 * $1.1) }
        }
        let y = bm(x, context: .training)
        (y * Tensor(shape: y.shape, data: weights)).sum().backward()
        // Only the finite (converted) entries: the −1e4 side has gradient 0 on both counts.
        let numeric = numericalGradient(at: bm.plus.value.scalars, step: 1e-3, loss)
        assertGradientsMatch(analytic: bm.plus.grad!.scalars, numeric: numeric, relative: 3e-2, absolute: 3e-3)
    }

    func testFoldingBatchNormKeepsTheFunction() throws {
        let model = try Model(.cnn(inputChannels: 1, height: 8, width: 8, classes: 3, channels: 4), seed: 2)
        var rng = RandomSource(seed: 9)
        let x = Tensor(shape: [4, 1, 8, 8], data: (0..<256).map { _ in rng.nextNormal() })
        for _ in 0..<3 { _ = model(x, context: .training) }   // non-trivial running statistics
        let folded = try BMConversion.foldingBatchNorm(model)
        XCTAssertEqual(BMConversion.convertibleLayers(folded.spec), [0, 3, 7])
        let a = model(x).scalars, b = folded(x).scalars
        for i in a.indices { XCTAssertEqual(a[i], b[i], accuracy: 1e-4 * (1 + abs(a[i]))) }
        // Converting a layer gives a model whose spec round-trips through JSON and rebuilds.
        let converted = try BMConversion.converting(try BMConversion.converting(folded, layer: 0), layer: 7)
        let json = try JSONEncoder().encode(converted.spec)
        XCTAssertEqual(try JSONDecoder().decode(ModelSpec.self, from: json), converted.spec)
        XCTAssertTrue(String(decoding: json, as: UTF8.self).contains("\"bmconv2d\""))
        let copy = try BMConversion.copy(converted)
        XCTAssertEqual(copy(x).scalars, converted(x).scalars)
        XCTAssertEqual(try converted.spec.outputShape(for: [1, 8, 8]), [3])
    }

    /// Seed 003, Table 2 (gates standard/BM per conv layer, filters = channels): the paper's counts.
    func testGateRatiosReproduceThePaper() throws {
        let cases: [(Int, Int, Double)] = [(16, 1, 1.14), (64, 1, 2.11), (512, 1, 2.80), (16, 3, 2.50), (128, 3, 2.87), (512, 3, 2.92)]
        for (c, k, paper) in cases {
            let spec = ModelSpec.sequential([.conv2d(in: c, out: c, kernel: k, stride: 1, padding: k / 2, bias: false)])
            let cost = try BMLayerCost.costs(of: spec, input: [c, 8, 8])[0]
            XCTAssertEqual(cost.gateRatio, paper, accuracy: 0.011, "\(c) channels, \(k)×\(k)")
        }
    }
}
