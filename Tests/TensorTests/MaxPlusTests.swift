import CKernels
import TestSupport
import XCTest
@testable import Tensor

/// `maxPlusConv2d` against a naive reference, and its sub-gradient rule against finite differences;
/// the C kernels of every instruction-set variant against the definition, bit for bit.
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

    /// The definition term by term, as the kernels document it: the maximum over the window in
    /// fan-in order `k = (c·kh + u)·kw + v`, a term replacing it only when strictly greater (ties
    /// and NaN keep the earlier), positions outside the input skipped; the gradients summed per
    /// element in the kernels' order, (o, i, j) for dx and (n, i, j) for dw, from +0.
    struct Reference {
        var y: [Float], argmax: [Int32], dx: [Float], dw: [Float]

        init(x: [Float], w: [Float], dy: [Float], _ g: ConvGeometry) {
            let (ho, wo, fanIn) = (g.ho, g.wo, g.c * g.kh * g.kw)
            y = []; argmax = []
            for n in 0..<g.n { for o in 0..<g.cout { for i in 0..<ho { for j in 0..<wo {
                var best = -Float.infinity, at: Int32 = -1
                for c in 0..<g.c { for u in 0..<g.kh { for v in 0..<g.kw {
                    let r = i * g.sh - g.ph + u, q = j * g.sw - g.pw + v
                    guard r >= 0, r < g.h, q >= 0, q < g.w else { continue }
                    let k = (c * g.kh + u) * g.kw + v
                    let t = x[((n * g.c + c) * g.h + r) * g.w + q] + w[o * fanIn + k]
                    if t > best { best = t; at = Int32(k) }
                } } }
                y.append(best); argmax.append(at)
            } } } }
            dx = [Float](repeating: 0, count: x.count); dw = [Float](repeating: 0, count: w.count)
            for n in 0..<g.n { for o in 0..<g.cout { for i in 0..<ho { for j in 0..<wo {
                let e = ((n * g.cout + o) * ho + i) * wo + j, k = Int(argmax[e])
                guard k >= 0 else { continue }
                let c = k / (g.kh * g.kw), u = k / g.kw % g.kh, v = k % g.kw
                dx[((n * g.c + c) * g.h + i * g.sh - g.ph + u) * g.w + j * g.sw - g.pw + v] += dy[e]
            } } } }
            for o in 0..<g.cout { for n in 0..<g.n { for q in 0..<(ho * wo) {
                let e = (n * g.cout + o) * ho * wo + q, k = Int(argmax[e])
                if k >= 0 { dw[o * fanIn + k] += dy[e] }
            } } }
        }
    }

    /// Small integers (many ties), with ln 0 = −∞ and a few +∞ among the inputs (+∞ − ∞ = NaN
    /// terms), and BM's −1e4 and −∞ among the weights; output channel 1 has only −∞ weights.
    func tieHeavy(_ g: ConvGeometry, _ rng: inout SeededGenerator) -> (x: [Float], w: [Float]) {
        let x = (0..<(g.n * g.c * g.h * g.w)).map { _ -> Float in
            let r = Int.random(in: 0..<100, using: &rng)
            return r < 10 ? -.infinity : r < 12 ? .infinity : Float(Int.random(in: -3...3, using: &rng))
        }
        let fanIn = g.c * g.kh * g.kw
        let w = (0..<(g.cout * fanIn)).map { e -> Float in
            if e / fanIn == 1 { return -.infinity }
            let r = Int.random(in: 0..<100, using: &rng)
            return r < 20 ? -1e4 : r < 25 ? -.infinity : Float(Int.random(in: -3...3, using: &rng))
        }
        return (x, w)
    }

    func geometry(_ n: Int, _ c: Int, _ h: Int, _ w: Int, _ o: Int, _ k: Int, _ s: Int, _ p: Int) -> ConvGeometry {
        ConvGeometry(n: n, c: c, h: h, w: w, cout: o, kh: k, kw: k, sh: s, sw: s, ph: p, pw: p, dh: 1, dw: 1, groups: 1)
    }

    /// Padding 0–3 (3 with a 3×3 kernel: outputs that see only padding), strides 1 and 2, kernels
    /// 1, 2 and 3, odd sizes, image counts across groups of 16 (1, 17, 33), output channels not a
    /// multiple of 8, rows longer than one tile (16 images × 40 columns), the fully connected shape
    /// [32, 64] → 10 and BM ResNet shapes; plus random geometries.
    func kernelCases() -> [ConvGeometry] {
        var cases = [geometry(2, 3, 6, 5, 4, 3, 1, 1), geometry(3, 5, 7, 7, 10, 3, 2, 1), geometry(17, 4, 4, 4, 9, 3, 1, 1),
                     geometry(33, 8, 1, 1, 10, 1, 1, 0), geometry(32, 64, 1, 1, 10, 1, 1, 0), geometry(1, 7, 1, 1, 3, 1, 1, 0),
                     geometry(5, 6, 8, 8, 12, 1, 2, 0), geometry(2, 3, 9, 11, 5, 2, 2, 0), geometry(1, 2, 4, 4, 3, 3, 1, 3),
                     geometry(2, 3, 5, 6, 3, 3, 2, 2), geometry(16, 2, 40, 40, 3, 3, 1, 1), geometry(18, 8, 14, 14, 16, 3, 1, 1),
                     geometry(4, 16, 7, 7, 32, 3, 1, 1), geometry(32, 8, 4, 4, 8, 3, 1, 1)]
        var rng = SeededGenerator(seed: 41)
        for _ in 0..<12 {
            let k = Int.random(in: 1...3, using: &rng), s = Int.random(in: 1...2, using: &rng), p = Int.random(in: 0...(k - 1), using: &rng)
            let h = Int.random(in: max(1, k - 2 * p)...12, using: &rng), w = Int.random(in: max(1, k - 2 * p)...12, using: &rng)
            cases.append(geometry(Int.random(in: 1...20, using: &rng), Int.random(in: 1...6, using: &rng), h, w,
                                  Int.random(in: 1...11, using: &rng), k, s, p))
        }
        return cases
    }

    /// `MaxPlusKernels` (forward values with and without the arg-max, arg-max, dx and dw) against
    /// `Reference`, bit for bit, for every kernel variant this CPU runs (portable, AVX2, AVX-512).
    func testKernelsMatchTheDefinitionBitwiseInEveryVariant() {
        let variants = [Int32(CK_PORTABLE), Int32(CK_AVX2), Int32(CK_AVX512)].filter { ck_kernels($0) != nil }
        let saved = ck_active_variant()
        defer { _ = ck_set_variant(saved) }
        var rng = SeededGenerator(seed: 17)
        for g in kernelCases() {
            let (x, w) = tieHeavy(g, &rng)
            let count = g.n * g.cout * g.ho * g.wo
            let dy = (0..<count).map { _ in Float(Int.random(in: -4...4, using: &rng)) * 0.375 + 0.1 }
            let ref = Reference(x: x, w: w, dy: dy, g)
            XCTAssertTrue(g.cout < 2 || (ref.argmax.contains(-1) && ref.argmax.contains { $0 >= 0 }), "\(g)")
            for variant in variants {
                XCTAssertEqual(ck_set_variant(variant), 1)
                var y = [Float](repeating: .nan, count: count), argmax = [Int32](repeating: -7, count: count)
                var dx = [Float](repeating: .nan, count: x.count), dw = [Float](repeating: .nan, count: w.count)
                MaxPlusKernels.forward(x: x, w: w, out: &y, argmax: &argmax, g)
                MaxPlusKernels.backward(dy: dy, argmax: argmax, dx: &dx, dw: &dw, g)
                var values = [Float](repeating: .nan, count: count)
                MaxPlusKernels.forward(x: x, w: w, out: &values, argmax: nil, g)
                let what = "variant \(String(cString: ck_active().pointee.name)), \(g.n)×\(g.c)×\(g.h)×\(g.w) → \(g.cout), "
                    + "kernel \(g.kh), stride \(g.sh), padding \(g.ph)"
                for (name, got, want) in [("y", y, ref.y), ("y without arg-max", values, ref.y), ("dx", dx, ref.dx), ("dw", dw, ref.dw)] {
                    if let e = got.indices.first(where: { got[$0].bitPattern != want[$0].bitPattern }) {
                        XCTFail("\(what): \(name)[\(e)] = \(got[e]), definition \(want[e])")
                    }
                }
                if let e = argmax.indices.first(where: { argmax[$0] != ref.argmax[$0] }) {
                    XCTFail("\(what): argmax[\(e)] = \(argmax[e]), definition \(ref.argmax[e])")
                }
            }
        }
    }
}
