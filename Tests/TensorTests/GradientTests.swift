import TestSupport
import XCTest
@testable import Tensor

/// Every primitive's gradient rule against central finite differences.
final class GradientTests: XCTestCase {
    var rng = SeededGenerator(seed: 7)

    func testBroadcastAddSubMulDiv() {
        let a = randomTensor([2, 3, 4], &rng), b = randomTensor([3, 1], &rng)
        checkGradients([a, b]) { $0[0] + $0[1] }
        checkGradients([a, b]) { $0[0] - $0[1] }
        checkGradients([a, b]) { $0[0] * $0[1] }
        let c = randomTensor([1, 3, 1], &rng, awayFromZero: 0.5)
        checkGradients([a, c]) { $0[0] / $0[1] }
        let x = randomTensor([2, 3, 2, 2], &rng), s = randomTensor([1, 3, 1, 1], &rng)
        checkGradients([x, s]) { $0[0] * $0[1] + $0[1] }
    }

    func testScalarOpsAndUnary() {
        let a = randomTensor([3, 4], &rng)
        checkGradients([a]) { 3 * $0[0] - 1 }
        checkGradients([a]) { -$0[0] / 2 + 5 }
        checkGradients([a]) { $0[0].exp() }
        checkGradients([a]) { $0[0].tanh() }
        checkGradients([a]) { $0[0].sigmoid() }
        let p = randomTensor([3, 4], &rng, scale: 1) * Tensor(0.5) + 1.5   // in [1, 2]
        checkGradients([p], step: 1e-3) { $0[0].log() }
        checkGradients([p], step: 1e-3) { $0[0].sqrt() }
    }

    func testRelu() {
        let a = randomTensor([4, 5], &rng, awayFromZero: 0.05)
        checkGradients([a]) { relu($0[0]) }
    }

    func testShapeOps() {
        let a = randomTensor([2, 3, 4], &rng), b = randomTensor([2, 2, 4], &rng)
        checkGradients([a]) { $0[0].reshaped(to: [6, 4]) }
        checkGradients([a]) { $0[0].flattened() }
        checkGradients([a, b]) { concat($0, axis: 1) }
        checkGradients([a, a]) { concat($0, axis: 0) }
        checkGradients([a, randomTensor([2, 3, 1], &rng)]) { concat($0, axis: -1) }
        let x = randomTensor([2, 5, 3, 2], &rng)
        checkGradients([x]) { $0[0].slice(axis: 1, 1..<4) }
        checkGradients([x]) { $0[0].slice(axis: -1, 0..<1) * $0[0].slice(axis: -1, 1..<2) }
        XCTAssertEqual(x.slice(axis: 1, 2..<3).scalars, Array(x.scalars[12..<18] + x.scalars[42..<48]))
        checkGradients([randomTensor([3, 5], &rng)]) { $0[0].transposed() }
    }

    func testReductions() {
        let a = randomTensor([2, 3, 4], &rng)
        checkGradients([a]) { $0[0].sum() }
        checkGradients([a]) { $0[0].mean() }
        checkGradients([a]) { $0[0].sum(alongAxes: [0, 2]) }
        checkGradients([a]) { $0[0].mean(alongAxes: [1], keepingDims: true) }
    }

    func testMatmulAndLinear() {
        let a = randomTensor([3, 4], &rng), b = randomTensor([4, 5], &rng)
        checkGradients([a, b]) { matmul($0[0], $0[1]) }
        let x = randomTensor([3, 4], &rng), w = randomTensor([2, 4], &rng), bias = randomTensor([2], &rng)
        checkGradients([x, w, bias]) { linear($0[0], $0[1], $0[2]) }
        checkGradients([x, w]) { linear($0[0], $0[1]) }
    }

    func testConv2d() {
        let configs: [(n: Int, c: Int, h: Int, w: Int, co: Int, k: Int, s: Int, p: Int, d: Int, g: Int)] = [
            (2, 3, 5, 5, 4, 3, 1, 1, 1, 1),   // same padding
            (2, 2, 7, 6, 3, 3, 2, 1, 1, 1),   // stride 2
            (1, 2, 7, 7, 2, 3, 1, 2, 2, 1),   // dilation
            (2, 4, 5, 5, 6, 3, 1, 0, 1, 2),   // groups
            (2, 4, 4, 4, 4, 3, 2, 1, 1, 4),   // depthwise, stride 2
            (2, 3, 4, 4, 5, 1, 1, 0, 1, 1),   // 1x1
        ]
        for cfg in configs {
            let x = randomTensor([cfg.n, cfg.c, cfg.h, cfg.w], &rng)
            let w = randomTensor([cfg.co, cfg.c / cfg.g, cfg.k, cfg.k], &rng, scale: 0.5)
            let b = randomTensor([cfg.co], &rng)
            checkGradients([x, w, b]) {
                conv2d($0[0], $0[1], bias: $0[2], stride: cfg.s, padding: cfg.p, dilation: cfg.d, groups: cfg.g)
            }
        }
        let x = randomTensor([2, 2, 5, 5], &rng), w = randomTensor([3, 2, 3, 3], &rng)
        checkGradients([x, w]) { conv2d($0[0], $0[1], stride: 2, padding: 1) }
        // Several images per gemm (small images, larger batch), and 1x1 pointwise with groups.
        let xs = randomTensor([7, 2, 3, 3], &rng), ws = randomTensor([3, 2, 3, 3], &rng, scale: 0.5)
        checkGradients([xs, ws, randomTensor([3], &rng)]) { conv2d($0[0], $0[1], bias: $0[2], padding: 1) }
        let wp = randomTensor([4, 1, 1, 1], &rng)
        checkGradients([xs, wp, randomTensor([4], &rng)]) { conv2d($0[0], $0[1], bias: $0[2], groups: 2) }
    }

    func testConv2dRowTiles() {
        let saved = ConvKernels.tileBudget
        ConvKernels.tileBudget = 1
        defer { ConvKernels.tileBudget = saved }
        let x = randomTensor([1, 2, 19, 18], &rng), w = randomTensor([2, 2, 3, 3], &rng, scale: 0.5)
        XCTAssertLessThan(ConvKernels.rowsPerTile(ConvGeometry(n: 1, c: 2, h: 19, w: 18, cout: 2, kh: 3, kw: 3,
            sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1, groups: 1)), 19, "test must use several tiles")
        checkGradients([x, w, randomTensor([2], &rng)]) { conv2d($0[0], $0[1], bias: $0[2], padding: 1) }
    }

    func testBatchNormTraining() {
        let x = randomTensor([3, 2, 3, 3], &rng, scale: 2)
        let gamma = randomTensor([2], &rng, awayFromZero: 0.5), beta = randomTensor([2], &rng)
        checkGradients([x, gamma, beta], step: 1e-2, relative: 3e-2, absolute: 3e-3) {
            batchNorm($0[0], gamma: $0[1], beta: $0[2], state: BatchNormState(channels: 2), training: true)
        }
        // [N, C] input (BatchNorm1d)
        let x2 = randomTensor([5, 3], &rng, scale: 2)
        let g2 = randomTensor([3], &rng, awayFromZero: 0.5), b2 = randomTensor([3], &rng)
        checkGradients([x2, g2, b2], step: 1e-2, relative: 3e-2, absolute: 3e-3) {
            batchNorm($0[0], gamma: $0[1], beta: $0[2], state: BatchNormState(channels: 3), training: true)
        }
    }

    func testBatchNormEval() {
        let state = BatchNormState(channels: 2)
        state.runningMean = [0.3, -0.2]
        state.runningVar = [1.5, 0.7]
        let x = randomTensor([2, 2, 3, 3], &rng)
        let gamma = randomTensor([2], &rng), beta = randomTensor([2], &rng)
        checkGradients([x, gamma, beta]) {
            batchNorm($0[0], gamma: $0[1], beta: $0[2], state: state, training: false)
        }
    }

    /// Distinct values spaced well apart so no window has a near-tie within the FD step.
    func spacedTensor(_ shape: [Int]) -> Tensor {
        let n = shape.reduce(1, *)
        var values = (0..<n).map { Float($0) * 0.1 }
        values.shuffle(using: &rng)
        return Tensor(shape: shape, data: values)
    }

    func testMaxPool() {
        let x = spacedTensor([2, 2, 6, 6])
        checkGradients([x], step: 1e-2) { maxPool2d($0[0], kernel: 2) }
        checkGradients([x], step: 1e-2) { maxPool2d($0[0], kernel: 3, stride: 2, padding: 1) }
    }

    func testAvgPool() {
        let x = randomTensor([2, 2, 6, 6], &rng)
        checkGradients([x]) { avgPool2d($0[0], kernel: 2) }
        checkGradients([x]) { avgPool2d($0[0], kernel: 3, stride: 2, padding: 1) }
        checkGradients([x]) { globalAvgPool($0[0]) }
    }

    func testSoftmaxCrossEntropy() {
        let logits = randomTensor([4, 5], &rng, scale: 2)
        checkGradients([logits]) { softmaxCrossEntropy($0[0], labels: [0, 3, 4, 1]) }
        checkGradients([logits]) { softmaxCrossEntropy($0[0], labels: [2, 2, 0, 4], labelSmoothing: 0.1) }
    }

    func testComposedBlock() {
        // conv → BN → ReLU → residual add → global pool → linear → loss, through a shared input.
        let x = randomTensor([2, 3, 4, 4], &rng)
        let w = randomTensor([3, 3, 3, 3], &rng, scale: 0.3)
        let gamma = Tensor(shape: [3], data: [1, 0.8, 1.2]), beta = Tensor(shape: [3], data: [0.1, 0, -0.1])
        let fc = randomTensor([4, 3], &rng)
        checkGradients([x, w, fc], relative: 5e-2, absolute: 5e-3) { t in
            let h = batchNorm(conv2d(t[0], t[1], padding: 1), gamma: gamma, beta: beta,
                              state: BatchNormState(channels: 3), training: true).relu() + t[0]
            return softmaxCrossEntropy(linear(globalAvgPool(h), t[2]), labels: [1, 3], labelSmoothing: 0.1)
        }
    }
}
