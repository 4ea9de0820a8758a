import TestSupport
import XCTest
@testable import Tensor

final class ForwardTests: XCTestCase {
    func testConstructionAndScalars() {
        let t = Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(t.shape, [2, 3])
        XCTAssertEqual(t.scalars, [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(Tensor.zeros([3]).scalars, [0, 0, 0])
        XCTAssertEqual(Tensor.full([2], value: 7).scalars, [7, 7])
        XCTAssertEqual(Tensor(3).scalar, 3)
        XCTAssertEqual(Tensor(shape: [2, 0], data: []).scalars, [])
        XCTAssertEqual(Tensor(shape: [0], data: []).count, 0)
        var rng = SeededGenerator(seed: 1)
        let r = Tensor.randn([1000], std: 2, using: &rng).scalars
        let mean = r.reduce(0, +) / 1000
        let sd = (r.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 1000).squareRoot()
        XCTAssertEqual(mean, 0, accuracy: 0.2)
        XCTAssertEqual(sd, 2, accuracy: 0.2)
    }

    func testBroadcastArithmetic() {
        let a = Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6])
        let b = Tensor(shape: [3], data: [10, 20, 30])
        let c = Tensor(shape: [2, 1], data: [100, 200])
        XCTAssertEqual((a + b).scalars, [11, 22, 33, 14, 25, 36])
        XCTAssertEqual((a * c).scalars, [100, 200, 300, 800, 1000, 1200])
        XCTAssertEqual((b - c).shape, [2, 3])
        XCTAssertEqual((b - c).scalars, [-90, -80, -70, -190, -180, -170])
        XCTAssertEqual((a / Tensor(2)).scalars, [0.5, 1, 1.5, 2, 2.5, 3])
        XCTAssertEqual((2 * a + 1).scalars, [3, 5, 7, 9, 11, 13])
        // per-channel NCHW
        let x = Tensor(shape: [2, 2, 1, 2], data: [1, 2, 3, 4, 5, 6, 7, 8])
        let s = Tensor(shape: [1, 2, 1, 1], data: [1, -1])
        XCTAssertEqual((x * s).scalars, [1, 2, -3, -4, 5, 6, -7, -8])
    }

    func testReductionsAndShapes() {
        let a = Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(a.sum().scalar, 21)
        XCTAssertEqual(a.mean().scalar, 3.5)
        XCTAssertEqual(a.sum(alongAxes: [0]).scalars, [5, 7, 9])
        XCTAssertEqual(a.sum(alongAxes: [1], keepingDims: true).shape, [2, 1])
        XCTAssertEqual(a.sum(alongAxes: [1]).scalars, [6, 15])
        XCTAssertEqual(a.transposed().scalars, [1, 4, 2, 5, 3, 6])
        XCTAssertEqual(a.reshaped(to: [3, -1]).shape, [3, 2])
        XCTAssertEqual(Tensor.zeros([4, 2, 3, 3]).flattened().shape, [4, 18])
        let b = Tensor(shape: [2, 1], data: [7, 8])
        XCTAssertEqual(concat([a, b], axis: 1).scalars, [1, 2, 3, 7, 4, 5, 6, 8])
        XCTAssertEqual(concat([a, a], axis: 0).shape, [4, 3])
    }

    func testLargeBroadcastReductions() {
        // Big enough for the parallel path of the broadcast reduction.
        var rng = SeededGenerator(seed: 12)
        let x = randomTensor([4, 8, 64, 65], &rng)
        let xs = x.scalars
        for (axes, kept) in [([0, 2, 3], [1, 8, 1, 1]), ([1], [4, 1, 64, 65]), ([0], [1, 8, 64, 65]), ([3], [4, 8, 64, 1])] {
            let r = x.sum(alongAxes: axes, keepingDims: true)
            XCTAssertEqual(r.shape, kept)
            var ref = [Double](repeating: 0, count: kept.reduce(1, *))
            for i in 0..<4 { for c in 0..<8 { for h in 0..<64 { for w in 0..<65 {
                let idx = [i, c, h, w]
                var o = 0
                for d in 0..<4 { o = o * kept[d] + (kept[d] == 1 ? 0 : idx[d]) }
                ref[o] += Double(xs[((i * 8 + c) * 64 + h) * 65 + w])
            } } } }
            assertAllClose(r.scalars, ref.map { Float($0) }, tol: 1e-4)
        }
    }

    func testMatmulAndLinear() {
        let a = Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6])
        let b = Tensor(shape: [3, 2], data: [1, 0, 0, 1, 1, 1])
        XCTAssertEqual(matmul(a, b).scalars, [4, 5, 10, 11])
        let w = Tensor(shape: [2, 3], data: [1, 0, 0, 0, 1, 1])
        let bias = Tensor(shape: [2], data: [0.5, -0.5])
        XCTAssertEqual(linear(a, w, bias).scalars, [1.5, 4.5, 4.5, 10.5])
    }

    func testConv2dMatchesNaive() {
        var rng = SeededGenerator(seed: 2)
        let configs: [(n: Int, c: Int, h: Int, w: Int, co: Int, k: Int, s: Int, p: Int, d: Int, g: Int)] = [
            (2, 3, 7, 6, 4, 3, 1, 1, 1, 1), (3, 4, 9, 9, 6, 3, 2, 1, 1, 2), (1, 2, 8, 8, 2, 3, 1, 2, 2, 1),
            (2, 4, 5, 5, 8, 1, 1, 0, 1, 1), (2, 4, 6, 6, 4, 3, 2, 0, 1, 4), (1, 3, 11, 11, 2, 7, 2, 3, 1, 1),
        ]
        for cfg in configs {
            let x = randomTensor([cfg.n, cfg.c, cfg.h, cfg.w], &rng)
            let w = randomTensor([cfg.co, cfg.c / cfg.g, cfg.k, cfg.k], &rng)
            let b = randomTensor([cfg.co], &rng)
            let y = conv2d(x, w, bias: b, stride: cfg.s, padding: cfg.p, dilation: cfg.d, groups: cfg.g)
            let ref = naiveConv2d(x, w, b, stride: cfg.s, padding: cfg.p, dilation: cfg.d, groups: cfg.g)
            assertAllClose(y.scalars, ref, tol: 1e-4)
        }
    }

    func testConvChunking() {
        // Small images: several images per gemm, and more than one block per core.
        var rng = SeededGenerator(seed: 3)
        let n = 2 * ConvKernels.wantedColumns / 16 + 37
        let x = randomTensor([n, 8, 4, 4], &rng)
        let w = randomTensor([4, 8, 3, 3], &rng)
        let y = conv2d(x, w, bias: Tensor.ones([4]), padding: 1)
        let ref = naiveConv2d(x, w, Tensor.ones([4]), stride: 1, padding: 1, dilation: 1, groups: 1)
        assertAllClose(y.scalars, ref, tol: 1e-4)
        let w1 = randomTensor([6, 8, 1, 1], &rng)
        assertAllClose(conv2d(x, w1).scalars, naiveConv2d(x, w1, nil, stride: 1, padding: 0, dilation: 1, groups: 1), tol: 1e-4)
    }

    func testConvRowTiling() {
        // One-image blocks split into row tiles (tiny tile budget forces several tiles).
        let saved = ConvKernels.tileBudget
        ConvKernels.tileBudget = 1
        defer { ConvKernels.tileBudget = saved }
        var rng = SeededGenerator(seed: 11)
        for (h, k, s, p, d) in [(23, 3, 1, 1, 1), (41, 3, 2, 1, 1), (24, 3, 1, 2, 2), (40, 7, 2, 3, 1)] {
            let x = randomTensor([2, 3, h, h + 1], &rng), w = randomTensor([4, 3, k, k], &rng)
            let b = randomTensor([4], &rng)
            assertAllClose(conv2d(x, w, bias: b, stride: s, padding: p, dilation: d).scalars,
                           naiveConv2d(x, w, b, stride: s, padding: p, dilation: d, groups: 1), tol: 1e-4)
        }
    }

    func testPooling() {
        let x = Tensor(shape: [1, 1, 4, 4], data: (0..<16).map(Float.init))
        XCTAssertEqual(maxPool2d(x, kernel: 2).scalars, [5, 7, 13, 15])
        XCTAssertEqual(maxPool2d(x, kernel: 3, stride: 2, padding: 1).scalars, [5, 7, 13, 15])
        XCTAssertEqual(avgPool2d(x, kernel: 2).scalars, [2.5, 4.5, 10.5, 12.5])
        // padding counted in the divisor: top-left window covers 0,1,4,5 of 9 slots
        XCTAssertEqual(avgPool2d(x, kernel: 3, stride: 2, padding: 1).scalars[0], 10.0 / 9, accuracy: 1e-6)
        XCTAssertEqual(globalAvgPool(x).scalars, [7.5])
        XCTAssertEqual(globalAvgPool(x).shape, [1, 1])
    }

    func testPoolingMatchesNaive() {
        var rng = SeededGenerator(seed: 13)
        for (h, w, k, st, p) in [(7, 9, 3, 2, 1), (8, 8, 2, 2, 0), (6, 5, 3, 1, 1), (112, 112, 3, 2, 1), (5, 5, 5, 5, 2)] {
            let x = randomTensor([2, 3, h, w], &rng)
            let xs = x.scalars
            let ho = (h + 2 * p - k) / st + 1, wo = (w + 2 * p - k) / st + 1
            var mx = [Float](), av = [Float]()
            for plane in 0..<6 { for oy in 0..<ho { for ox in 0..<wo {
                var m = -Float.infinity, sum: Float = 0
                for i in 0..<k { for j in 0..<k {
                    let iy = oy * st - p + i, ix = ox * st - p + j
                    if iy < 0 || iy >= h || ix < 0 || ix >= w { continue }
                    let v = xs[plane * h * w + iy * w + ix]
                    m = max(m, v); sum += v
                } }
                mx.append(m); av.append(sum / Float(k * k))
            } } }
            XCTAssertEqual(maxPool2d(x, kernel: k, stride: st, padding: p).shape, [2, 3, ho, wo])
            assertAllClose(maxPool2d(x, kernel: k, stride: st, padding: p).scalars, mx, tol: 0)
            assertAllClose(avgPool2d(x, kernel: k, stride: st, padding: p).scalars, av, tol: 1e-5)
        }
    }

    func testBatchNormTrainingAndEval() {
        var rng = SeededGenerator(seed: 4)
        let x = randomTensor([4, 3, 5, 5], &rng, scale: 3) + 2
        let state = BatchNormState(channels: 3)
        let gamma = Tensor(shape: [3], data: [1, 2, 0.5]), beta = Tensor(shape: [3], data: [0, 1, -1])
        let y = batchNorm(x, gamma: gamma, beta: beta, state: state, training: true)
        // Per channel the output has mean beta and std gamma.
        let ys = y.scalars, xs = x.scalars
        for ch in 0..<3 {
            var vals: [Double] = [], xv: [Double] = []
            for i in 0..<4 { for q in 0..<25 { vals.append(Double(ys[(i * 3 + ch) * 25 + q])); xv.append(Double(xs[(i * 3 + ch) * 25 + q])) } }
            let m = vals.reduce(0, +) / 100
            let sd = (vals.map { ($0 - m) * ($0 - m) }.reduce(0, +) / 100).squareRoot()
            XCTAssertEqual(m, Double(beta.scalars[ch]), accuracy: 1e-4)
            XCTAssertEqual(sd, Double(gamma.scalars[ch]), accuracy: 1e-3)
            let xm = xv.reduce(0, +) / 100
            let xvar = xv.map { ($0 - xm) * ($0 - xm) }.reduce(0, +) / 99
            XCTAssertEqual(Double(state.runningMean[ch]), 0.1 * xm, accuracy: 1e-4)
            XCTAssertEqual(Double(state.runningVar[ch]), 0.9 + 0.1 * xvar, accuracy: 1e-3)
        }
        let e = batchNorm(x, gamma: gamma, beta: beta, state: state, training: false)
        let ref = (0..<xs.count).map { i -> Float in
            let ch = (i / 25) % 3
            return (xs[i] - state.runningMean[ch]) / (state.runningVar[ch] + 1e-5).squareRoot() * gamma.scalars[ch] + beta.scalars[ch]
        }
        assertAllClose(e.scalars, ref, tol: 1e-5)
    }

    func testSoftmaxCrossEntropy() {
        let logits = Tensor(shape: [2, 3], data: [1, 2, 3, 0, 0, 0])
        let l = softmaxCrossEntropy(logits, labels: [2, 0]).scalar
        let r1 = -log(exp(3.0) / (exp(1.0) + exp(2.0) + exp(3.0)))
        let r2 = -log(1.0 / 3)
        XCTAssertEqual(Double(l), (r1 + r2) / 2, accuracy: 1e-5)
        let eps: Float = 0.1
        let ls = softmaxCrossEntropy(logits, labels: [2, 0], labelSmoothing: eps).scalar
        let z = exp(1.0) + exp(2.0) + exp(3.0)
        let lp1 = [1.0, 2, 3].map { $0 - log(z) }, lp2 = [Double](repeating: log(1.0 / 3), count: 3)
        func ce(_ lp: [Double], _ y: Int) -> Double {
            (0..<3).reduce(0.0) { $0 - (($1 == y ? 1 - Double(eps) : 0) + Double(eps) / 3) * lp[$1] }
        }
        XCTAssertEqual(Double(ls), (ce(lp1, 2) + ce(lp2, 0)) / 2, accuracy: 1e-5)
    }

    func testNoGradAndParameterUpdate() {
        let p = Parameter(Tensor(shape: [2], data: [1, 2]))
        let y = noGrad { (p.value * p.value).sum() }
        XCTAssertFalse(y.requiresGrad)
        let loss = (p.value * p.value).sum()
        loss.backward()
        XCTAssertEqual(p.grad?.scalars, [2, 4])
        // accumulation across backward calls
        (p.value * p.value).sum().backward()
        XCTAssertEqual(p.grad?.scalars, [4, 8])
        p.update { w, g in
            guard let g else { return }
            for i in w.indices { w[i] -= 0.5 * g[i] }
        }
        XCTAssertEqual(p.value.scalars, [-1, -2])
        p.zeroGrad()
        XCTAssertNil(p.grad)
        // parallel update over ranges
        let big = Parameter(Tensor.ones([100_000]))
        (big.value * 2).sum().backward()
        big.updateInParallel { r, w, g in for i in r { w[i] -= 0.25 * g[i] } }
        XCTAssertEqual(Set(big.value.scalars), [0.5])
        // a tensor copied before an update keeps its values (copy-on-write)
        let snapshot = p.value
        p.update { w, _ in w[0] = 42 }
        XCTAssertEqual(snapshot.scalars, [-1, -2])
        XCTAssertEqual(p.value.scalars, [42, -2])
    }
}
