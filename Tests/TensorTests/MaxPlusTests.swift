import TestSupport
import XCTest
@testable import Tensor

/// `maxPlusConv2d` against a naive reference, and its sub-gradient rule against finite differences.
final class MaxPlusTests: XCTestCase {
    /// Random values on two incommensurate scales, so that (for these seeds) no two window terms
    /// lie within a finite-difference step of each other.
    func distinct(_ shape: [Int], _ rng: inout SeededGenerator, offset: Float = 0) -> Tensor {
        randomTensor(shape, &rng, scale: offset == 0 ? 1 : 2.718)
    }

    func naive(_ x: Tensor, _ w: Tensor, stride s: Int, padding p: Int) -> [Float] {
        let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (o, k, kw) = (w.shape[0], w.shape[2], w.shape[3])
        let ho = (h + 2 * p - k) / s + 1, wo = (wd + 2 * p - kw) / s + 1
        let xs = x.scalars, ws = w.scalars
        var out = [Float]()
        for b in 0..<n { for f in 0..<o { for i in 0..<ho { for j in 0..<wo {
            var m = -Float.infinity
            for ch in 0..<c { for u in 0..<k { for v in 0..<kw {
                let r = i * s - p + u, q = j * s - p + v
                guard r >= 0, r < h, q >= 0, q < wd else { continue }
                m = max(m, xs[((b * c + ch) * h + r) * wd + q] + ws[((f * c + ch) * k + u) * kw + v])
            } } }
            out.append(m)
        } } } }
        return out
    }

    func testForwardMatchesNaive() {
        var rng = SeededGenerator(seed: 3)
        for (s, p, k) in [(1, 1, 3), (2, 1, 3), (1, 0, 1), (2, 0, 2)] {
            let x = randomTensor([2, 3, 6, 5], &rng), w = randomTensor([4, 3, k, k], &rng)
            let y = maxPlusConv2d(x, w, stride: s, padding: p)
            assertAllClose(y.scalars, naive(x, w, stride: s, padding: p), tol: 0)
        }
    }

    func testGradientIsTheArgMaxSubgradient() {
        var rng = SeededGenerator(seed: 5)
        let x = distinct([2, 2, 5, 4], &rng), w = distinct([3, 2, 3, 3], &rng, offset: 0.013)
        checkGradients([x, w], step: 1e-3) { maxPlusConv2d($0[0], $0[1], stride: 1, padding: 1) }
        checkGradients([x, w], step: 1e-3) { maxPlusConv2d($0[0], $0[1], stride: 2, padding: 1) }
        let v = distinct([4, 7, 1, 1], &rng), z = distinct([3, 7, 1, 1], &rng, offset: 0.011)
        checkGradients([z, v], step: 1e-3) { maxPlusConv2d($0[0], $0[1]) }
    }
}
