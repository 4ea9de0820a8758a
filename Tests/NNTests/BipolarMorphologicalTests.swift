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
        XCTAssertEqual(BMConversion.convertibleLayers(folded.spec), ["0", "3", "7"])
        let a = model(x).scalars, b = folded(x).scalars
        for i in a.indices { XCTAssertEqual(a[i], b[i], accuracy: 1e-4 * (1 + abs(a[i]))) }
        // Converting a layer gives a model whose spec round-trips through JSON and rebuilds.
        let converted = try BMConversion.converting(try BMConversion.converting(folded, layer: "0"), layer: "7")
        let json = try JSONEncoder().encode(converted.spec)
        XCTAssertEqual(try JSONDecoder().decode(ModelSpec.self, from: json), converted.spec)
        XCTAssertTrue(String(decoding: json, as: UTF8.self).contains("\"bmconv2d\""))
        let copy = try BMConversion.copy(converted)
        XCTAssertEqual(copy(x).scalars, converted(x).scalars)
        XCTAssertEqual(try converted.spec.outputShape(for: [1, 8, 8]), [3])
    }

    /// A ResNet's layer graph shares its parameters and computes the same function, in evaluation
    /// and training mode, for basic blocks (ImageNet stem) and bottlenecks (small stem).
    func testResNetLayerGraphMatchesTheResNet() throws {
        let configs = [ResNetConfig(depth: 18, inputChannels: 1, classes: 3, width: 2, stem: .imagenet),
                       ResNetConfig(depth: 50, inputChannels: 2, classes: 4, width: 1, stem: .small)]
        for config in configs {
            let model = try Model(.resnet(config), seed: 3)
            var rng = RandomSource(seed: 5)
            let x = Tensor(shape: [3, config.inputChannels, 16, 16], data: (0..<(3 * config.inputChannels * 256)).map { _ in rng.nextNormal() })
            for _ in 0..<2 { _ = model(x, context: .training) }   // non-trivial running statistics
            let graph = try model.asLayerGraph()
            XCTAssertEqual(graph.spec, config.layerGraph)
            XCTAssertEqual(graph.parameters.count, model.parameters.count)
            XCTAssertEqual(try graph.spec.outputShape(for: [config.inputChannels, 16, 16]), [config.classes])
            let a = model(x).scalars, b = graph(x).scalars
            for i in a.indices { XCTAssertEqual(a[i], b[i], accuracy: 1e-5 * (1 + abs(a[i])), "\(config.depth) eval") }
            // The graph's spec rebuilds, and its state loads into the rebuilt network.
            let copy = try BMConversion.copy(graph)
            XCTAssertEqual(copy(x).scalars, b)
            let json = try JSONEncoder().encode(graph.spec)
            XCTAssertEqual(try JSONDecoder().decode(ModelSpec.self, from: json), graph.spec)
            // Training mode (batch statistics) last: it moves the shared running statistics.
            let c = graph(x, context: .training).scalars, d = model(x, context: .training).scalars
            for i in c.indices { XCTAssertEqual(c[i], d[i], accuracy: 1e-5 * (1 + abs(c[i])), "\(config.depth) training") }
        }
        XCTAssertEqual(try Model(.cnn(inputChannels: 1, height: 8, width: 8, classes: 3, channels: 2)).asLayerGraph().spec.summary,
                       "sequential network of 10 layers")
    }

    /// Folding reaches the convolutions inside residual bodies and shortcuts; the conversion walks
    /// them in forward order, and the operation counts name the same layers.
    func testResNetFoldingConversionAndCounts() throws {
        let config = ResNetConfig(depth: 18, inputChannels: 1, classes: 3, width: 2, stem: .small)
        let model = try Model(.resnet(config), seed: 7)
        var rng = RandomSource(seed: 8)
        let x = Tensor(shape: [2, 1, 8, 8], data: (0..<128).map { _ in rng.nextNormal() })
        for _ in 0..<2 { _ = model(x, context: .training) }
        let folded = try BMConversion.foldingBatchNorm(model)
        func countBatchNorms(_ spec: ModelSpec) -> Int {
            switch spec {
            case .batchNorm2d: 1
            case .sequential(let l): l.map(countBatchNorms).reduce(0, +)
            case .residual(let b, let s): countBatchNorms(b) + (s.map(countBatchNorms) ?? 0)
            default: 0
            }
        }
        XCTAssertEqual(countBatchNorms(config.layerGraph), 20)
        XCTAssertEqual(countBatchNorms(folded.spec), 0)
        let a = model(x).scalars, b = folded(x).scalars
        for i in a.indices { XCTAssertEqual(a[i], b[i], accuracy: 1e-4 * (1 + abs(a[i]))) }

        let paths = BMConversion.convertibleLayers(folded.spec)
        XCTAssertEqual(paths.count, 21)   // stem, 16 block convs, 3 downsamples, fc
        XCTAssertEqual(Array(paths.prefix(4)), ["0", "2.body.0", "2.body.2", "4.body.0"])
        XCTAssertTrue(paths.contains("10.shortcut.0"), "\(paths)")
        XCTAssertEqual(paths.last, "19")
        XCTAssertEqual(BMConversion.convertibleLayers(.resnet(config)).count, 21)
        let costs = try BMLayerCost.costs(of: folded.spec, input: [1, 8, 8])
        XCTAssertEqual(costs.map { String($0.layer.split(separator: " ")[0]) }, paths)
        XCTAssertEqual(costs.map(\.classicalMultiplies), try BMLayerCost.costs(of: .resnet(config), input: [1, 8, 8]).map(\.classicalMultiplies))
        XCTAssertEqual(costs[paths.firstIndex(of: "10.shortcut.0")!].layer, "10.shortcut.0 conv 4→8 1×1/2")

        // Convert a shortcut conv and a body conv: the rest of the network is untouched.
        var converted = try BMConversion.converting(folded, layer: "10.shortcut.0")
        converted = try BMConversion.converting(converted, layer: "10.body.2")
        XCTAssertEqual(converted.spec.layer(at: "10.shortcut.0")?.typeName, "bmconv2d")
        XCTAssertEqual(converted.spec.layer(at: "10.body.2")?.typeName, "bmconv2d")
        XCTAssertEqual(converted.spec.layer(at: "10.body.0")?.typeName, "conv2d")
        XCTAssertEqual(BMConversion.convertibleLayers(converted.spec).count, 19)
        XCTAssertEqual(try converted.spec.outputShape(for: [1, 8, 8]), [3])
        let copy = try BMConversion.copy(converted)
        XCTAssertEqual(copy(x).scalars, converted(x).scalars)
        XCTAssertTrue(converted(x).scalars.allSatisfy(\.isFinite))
        for bad in ["10.body.1", "10.shortcut.5", "2.shortcut.0", "2.side.0", "x", "99"] {
            XCTAssertThrowsError(try BMConversion.converting(folded, layer: bad), bad)
        }
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
