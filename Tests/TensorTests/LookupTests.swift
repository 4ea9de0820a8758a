import TestSupport
import XCTest
@testable import Tensor

/// The table look-up primitive: interpolation, clamping, and its gradient rule.
final class LookupTests: XCTestCase {
    var rng = SeededGenerator(seed: 11)

    /// Reference: linear interpolation in Double with a linear scan, clamped outside.
    private func reference(_ xs: [Float], _ ys: [Float], _ v: Float) -> Float {
        if v <= xs[0] { return ys[0] }
        if v >= xs[xs.count - 1] { return ys[ys.count - 1] }
        let i = xs.lastIndex { $0 <= v }!
        let t = (Double(v) - Double(xs[i])) / (Double(xs[i + 1]) - Double(xs[i]))
        return Float(Double(ys[i]) + t * (Double(ys[i + 1]) - Double(ys[i])))
    }

    func testForwardMatchesReferenceOnEvenAndUnevenGrids() throws {
        let even = (0..<41).map { -2 + Float($0) * 0.1 }
        let uneven: [Float] = [-3, -1.5, -1, -0.2, 0, 0.05, 0.7, 2, 2.5]
        for xs in [even, uneven, [-0.5, 1.5]] {
            let ys = xs.map { $0 * $0 * $0 - $0 }
            let table = try PiecewiseLinear(x: xs, y: ys)
            let probe = (0..<500).map { _ in Float.random(in: -4...4, using: &rng) } + xs
            let y = Tensor(shape: [probe.count], data: probe).lookup(table)
            for (v, out) in zip(probe, y.scalars) {
                XCTAssertEqual(out, reference(xs, ys, v), accuracy: 1e-5 * max(1, abs(out)), "at \(v)")
            }
        }
        XCTAssertNotNil(try PiecewiseLinear(x: even, y: even).inverseStep)
        XCTAssertNil(try PiecewiseLinear(x: uneven, y: uneven).inverseStep)
        XCTAssertTrue(try PiecewiseLinear(x: [0, 1], y: [0, 1])(.nan).isNaN)
    }

    func testGradientBySlopeAndStraightThrough() throws {
        let xs: [Float] = [-1, -0.3, 0.2, 0.9, 1.4]
        let table = try PiecewiseLinear(x: xs, y: [0.5, -0.2, 0.3, 1.1, 0.8])
        // Points away from grid points, some outside the grid (zero gradient there).
        let x = Tensor(shape: [2, 4], data: [-1.6, -0.7, -0.1, 0.05, 0.5, 1.2, 1.9, 0.35])
        checkGradients([x], step: 1e-3) { $0[0].lookup(table) }
        // The even-grid kernels (no search), values between and outside the grid points.
        let even = try PiecewiseLinear(x: [-1, -0.5, 0, 0.5, 1, 1.5], y: [0.3, -0.2, 0.1, 0.9, 0.4, 0.6])
        XCTAssertNotNil(even.inverseStep)
        let probe = Tensor(shape: [2, 5], data: [-1.3, -0.8, -0.26, 0.11, 0.37, 0.61, 0.93, 1.2, 1.45, 2.1])
        checkGradients([probe], step: 1e-3) { $0[0].lookup(even) }
        let clip = try PiecewiseLinear(x: [-0.5, 1], y: [-1, 2])
        checkGradients([probe], step: 1e-3) { $0[0].lookup(clip) }
        var input = x
        input.requiresGrad = true
        input.lookup(table, gradient: .straightThrough(gain: 2)).sum().backward()
        XCTAssertEqual(input.grad?.scalars, [0, 2, 2, 2, 2, 2, 0, 2])
    }

    func testInvalidTablesAreRefused() {
        XCTAssertThrowsError(try PiecewiseLinear(x: [0], y: [1]))
        XCTAssertThrowsError(try PiecewiseLinear(x: [0, 0], y: [1, 2]))
        XCTAssertThrowsError(try PiecewiseLinear(x: [0, 1], y: [1, .infinity])) { e in
            XCTAssertTrue("\(e)".contains("finite"), "\(e)")
        }
    }

    /// A channel stage equals its scalar definition y = post·Q_o(T(Q_i(a·x + b))) element by element,
    /// and its gradient matches finite differences away from converter steps.
    func testChannelLookupMatchesItsDefinitionAndGradient() throws {
        let even = try PiecewiseLinear(x: (0...20).map { Float($0) * 0.1 - 1 }, y: (0...20).map { sin(Float($0) * 0.4) })
        let uneven = try PiecewiseLinear(x: [-1, -0.4, 0.1, 0.3, 1], y: [0.2, -0.5, 0.1, 0.8, 0.6])
        let x = Tensor(shape: [2, 3, 2, 2], data: (0..<24).map { _ in Float.random(in: -1.5...1.5, using: &rng) })
        let input = Converter(lo: -0.8, hi: 0.9, bits: 4)!, output = Converter(lo: -0.6, hi: 0.7, bits: 3)!
        for table in [even, uneven] {
            let map = ChannelLookup(table: table, scale: [0.9, 1.1, -0.7], shift: [0.05, -0.1, 0.2], post: [1, 2, -0.5],
                                    input: input, output: output)
            let y = x.lookup(map).scalars
            for (i, v) in x.scalars.enumerated() {
                let c = (i / 4) % 3
                XCTAssertEqual(y[i], map.post[c] * output(table(input(map.scale[c] * v + map.shift[c]))), accuracy: 1e-6, "element \(i)")
            }
            // Without converters the stage is smooth between grid points: finite differences.
            let smooth = ChannelLookup(table: table, scale: [0.9, 1.1, -0.7], shift: [0.05, -0.1, 0.2], post: [1, 2, -0.5])
            checkGradients([x], step: 1e-3) { $0[0].lookup(smooth) }
            // With converters: straight-through inside their ranges, 0 where either clips.
            var leaf = x.detached()
            leaf.requiresGrad = true
            leaf.lookup(map).sum().backward()
            for (i, v) in x.scalars.enumerated() {
                let c = (i / 4) % 3, u = map.scale[c] * v + map.shift[c], q = input(u)
                let inside = u > input.lo && u <= input.hi && table(q) > output.lo && table(q) <= output.hi
                let expected = inside ? map.post[c] * table.derivative(q) * map.scale[c] : 0
                XCTAssertEqual(leaf.grad!.scalars[i], expected, accuracy: 1e-6, "gradient \(i)")
            }
        }
        XCTAssertNil(Converter(lo: 1, hi: 1, bits: 8))
        XCTAssertNil(Converter(lo: 0, hi: 1, bits: 25))
    }
}
