import TestSupport
import TransferCurves
import XCTest

final class InterpolationTests: XCTestCase {
    func testMonotoneCubicReproducesLinesAndSamples() throws {
        let x = [-3.0, -1, 0, 0.5, 2, 7]
        let f = try MonotoneCubic(x: x, y: x.map { 2 * $0 - 1 })
        for v in stride(from: -3.0, through: 7, by: 0.137) {
            assertClose(f(v), 2 * v - 1, relative: 1e-14, absolute: 1e-14)
            assertClose(f.derivative(v), 2, relative: 1e-12)
        }
        let g = try MonotoneCubic(x: x, y: x.map { $0 * $0 * $0 })
        for (xv, yv) in zip(x, x.map { $0 * $0 * $0 }) { XCTAssertEqual(g(xv), yv) }
        XCTAssertEqual(f(-10), f(-3))  // clamped outside
        XCTAssertEqual(f(10), f(7))
    }

    /// A saturating step (flat, steep, flat): the interpolant never overshoots and stays monotone.
    func testMonotoneCubicDoesNotOvershoot() throws {
        let x = (0..<12).map(Double.init)
        let y: [Double] = [0, 0, 0, 0, 0.1, 5, 9.9, 10, 10, 10, 10, 10]
        let f = try MonotoneCubic(x: x, y: y)
        var previous = -Double.infinity
        for v in stride(from: 0.0, through: 11, by: 0.01) {
            let value = f(v)
            XCTAssertGreaterThanOrEqual(value, previous - 1e-12)
            XCTAssertGreaterThanOrEqual(value, -1e-12)
            XCTAssertLessThanOrEqual(value, 10 + 1e-12)
            previous = value
        }
    }

    func testBilinearIsExactForBilinearFunctions() throws {
        let x = [-1.0, 0, 2], w = [0.0, 1, 3, 4]
        let f = { (a: Double, b: Double) in 1 + 2 * a - b + 0.5 * a * b }
        let s = try BilinearSurface(x: x, w: w, values: x.flatMap { a in w.map { f(a, $0) } })
        for a in stride(from: -1.0, through: 2, by: 0.3) {
            for b in stride(from: 0.0, through: 4, by: 0.35) { assertClose(s(a, b), f(a, b), relative: 1e-13, absolute: 1e-13) }
        }
    }

    /// `f(x, w) = sin(x)·w + x²·cos(w)` is exactly rank 2: the fit finds rank 2 with a residual at
    /// rounding level, reports a rank-1 residual above a loose target, and reproduces the grid.
    func testSeparableFitRecoversRankTwoSurface() throws {
        for (nx, nw) in [(21, 13), (9, 30)] {
            let x = (0..<nx).map { -2 + 4 * Double($0) / Double(nx - 1) }
            let w = (0..<nw).map { -1 + 3 * Double($0) / Double(nw - 1) }
            let f = { (a: Double, b: Double) in sin(a) * b + a * a * cos(b) }
            let values = x.flatMap { a in w.map { f(a, $0) } }
            let fit = try SeparableFit.fit(x: x, w: w, values: values, target: 1e-10)
            XCTAssertEqual(fit.rank, 2)
            XCTAssertLessThan(fit.relativeResidual, 1e-12)
            XCTAssertLessThan(fit.maxAbsoluteError, 1e-12)
            XCTAssertGreaterThan(fit.singularValues[1], 1e-3 * fit.singularValues[0])
            for (i, a) in x.enumerated() {
                for (j, b) in w.enumerated() { assertClose(fit(a, b), values[i * nw + j], relative: 0, absolute: 1e-12) }
            }
            // Rank 1 is not enough: the reported residual is σ₂/‖F‖.
            let one = try SeparableFit.fit(x: x, w: w, values: values, target: 1e-10, maxRank: 1)
            XCTAssertEqual(one.rank, 1)
            let norm = fit.singularValues.reduce(0) { $0 + $1 * $1 }.squareRoot()
            assertClose(one.relativeResidual, fit.singularValues[1] / norm, relative: 1e-9)
            XCTAssertGreaterThan(one.maxAbsoluteError, 1e-3)
        }
    }

    func testSeparableFitOfZeroAndFullRank() throws {
        let zero = try SeparableFit.fit(x: [0, 1], w: [0, 1, 2], values: [0, 0, 0, 0, 0, 0], target: 1e-6)
        XCTAssertEqual(zero.rank, 0)
        XCTAssertEqual(zero(0.5, 0.5), 0)
        // Identity-like 3×3 needs rank 3 for a tight target.
        let full = try SeparableFit.fit(x: [0, 1, 2], w: [0, 1, 2], values: [1, 0, 0, 0, 2, 0, 0, 0, 3], target: 1e-9)
        XCTAssertEqual(full.rank, 3)
        XCTAssertEqual(full.singularValues.map { ($0 * 1e12).rounded() / 1e12 }, [3, 2, 1])
    }
}

#if canImport(Glibc)
    import Glibc
#endif
