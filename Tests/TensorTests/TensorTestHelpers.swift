import TestSupport
import XCTest
@testable import Tensor

/// Random tensor with entries in ±scale, optionally kept at least `gap` away from zero.
func randomTensor(_ shape: [Int], _ rng: inout SeededGenerator, scale: Float = 1, awayFromZero gap: Float = 0) -> Tensor {
    let n = shape.reduce(1, *)
    let data = (0..<n).map { _ -> Float in
        var v = Float.random(in: -scale...scale, using: &rng)
        if gap > 0 && abs(v) < gap { v = v < 0 ? v - gap : v + gap }
        return v
    }
    return Tensor(shape: shape, data: data)
}

/// Checks the gradients of `f` with respect to every input against central differences of
/// the scalar `Σ w ⊙ f(inputs)` (fixed random `w`).
func checkGradients(
    _ inputs: [Tensor], step: Float = 1e-2, relative: Double = 2e-2, absolute: Double = 2e-3,
    file: StaticString = #filePath, line: UInt = #line, _ f: ([Tensor]) -> Tensor
) {
    var rng = SeededGenerator(seed: 99)
    let probe = noGrad { f(inputs) }
    let weights = (0..<probe.count).map { _ in Double.random(in: -1...1, using: &rng) }
    let wTensor = Tensor(shape: probe.shape, data: weights.map(Float.init))

    let leaves = inputs.map { t -> Tensor in var l = t.detached(); l.requiresGrad = true; return l }
    let out = f(leaves)
    XCTAssertEqual(out.shape, probe.shape, "forward shape differs with recording on", file: file, line: line)
    (out * wTensor).sum().backward()

    for (k, input) in inputs.enumerated() {
        guard let analytic = leaves[k].grad else {
            XCTFail("input \(k) got no gradient", file: file, line: line)
            continue
        }
        XCTAssertEqual(analytic.shape, input.shape, file: file, line: line)
        let numeric = numericalGradient(at: input.scalars, step: step) { xs in
            var args = inputs
            args[k] = Tensor(shape: input.shape, data: xs)
            let y = noGrad { f(args) }.scalars
            var s = 0.0
            for i in y.indices { s += Double(y[i]) * weights[i] }
            return s
        }
        assertGradientsMatch(analytic: analytic.scalars, numeric: numeric, relative: relative, absolute: absolute,
                             "input \(k)", file: file, line: line)
    }
}

func assertAllClose(_ a: [Float], _ b: [Float], tol: Float = 1e-4, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, "element counts differ", file: file, line: line)
    for i in 0..<min(a.count, b.count) where !(abs(a[i] - b[i]) <= tol * (1 + abs(b[i]))) {
        XCTFail("element \(i): \(a[i]) vs \(b[i])", file: file, line: line)
        return
    }
}

// MARK: - Naive references

func naiveConv2d(_ x: Tensor, _ w: Tensor, _ b: Tensor?, stride: Int, padding: Int, dilation: Int, groups: Int) -> [Float] {
    let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (co, cg, kh, kw) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
    let ho = (h + 2 * padding - dilation * (kh - 1) - 1) / stride + 1
    let wo = (wd + 2 * padding - dilation * (kw - 1) - 1) / stride + 1
    let xs = x.scalars, ws = w.scalars, bs = b?.scalars
    let cog = co / groups
    _ = c
    var out = [Float](repeating: 0, count: n * co * ho * wo)
    for i in 0..<n { for o in 0..<co { for y in 0..<ho { for xo in 0..<wo {
        var s: Double = Double(bs?[o] ?? 0)
        let grp = o / cog
        for ci in 0..<cg { for p in 0..<kh { for q in 0..<kw {
            let iy = y * stride - padding + p * dilation, ix = xo * stride - padding + q * dilation
            if iy < 0 || iy >= h || ix < 0 || ix >= wd { continue }
            let cin = grp * cg + ci
            s += Double(xs[((i * x.shape[1] + cin) * h + iy) * wd + ix]) * Double(ws[((o * cg + ci) * kh + p) * kw + q])
        } } }
        out[((i * co + o) * ho + y) * wo + xo] = Float(s)
    } } } }
    return out
}
