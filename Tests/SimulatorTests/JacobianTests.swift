import Foundation
import LinearAlgebra
import Netlist
import TestSupport
import XCTest
@testable import Simulator

/// Every device's `dF/dx` and `dQ/dx` must match central finite differences of its `F` and `Q`.
final class JacobianTests: XCTestCase {
    func testDeviceJacobiansMatchFiniteDifferences() throws {
        var t = TestDeck()
        t.v("v1", "a", "0", 1)
        t.r("r1", "a", "b", 1e3)
        t.c("c1", "b", "c", 1e-9)
        t.l("l1", "b", "c", 1e-3)
        t.i("i1", "c", "0", 1e-3)
        t.e("e1", ["d", "0", "b", "c"], 3)
        t.g("g1", ["d", "c", "a", "b"], 2e-3)
        t.f("f1", "c", "d", "v1", 4)
        t.h("h1", "e", "0", "l1", 50)
        t.r("r2", "e", "d", 2e3)
        t.d("d1", "b", "c", ["is": 1e-12, "rs": 5, "cjo": 1e-12, "tt": 1e-9, "ikf": 1e-6, "ikr": 1e-9])
        t.d("d2", "d", "e", model: "dz", ["is": 1e-14, "bv": 0.3, "ibv": 1e-6, "cjo": 2e-12, "m": 0.33, "vj": 0.7])
        t.r("r3", "d", "0", 1e3)
        let circuit = try Circuit(deck: t.deck)
        var rng = SeededGenerator(seed: 7)
        let n = circuit.dimension
        let x = (0..<n).map { _ in Double.random(in: -0.25...0.45, using: &rng) }

        func load(_ x: [Double], state: [Double]) -> LoadBuffer {
            var buffer = LoadBuffer(dimension: n, slots: circuit.pattern.count, states: circuit.stateCount)
            let context = LoadContext(x: x, previousState: state, gmin: 1e-12)
            for d in circuit.devices { d.load(context, into: &buffer) }
            return buffer
        }
        // A first load leaves each junction's own voltage as state, so no limiting happens below.
        let state = load(x, state: Array(repeating: 0, count: circuit.stateCount)).state
        let base = load(x, state: state)
        XCTAssertEqual(base.limited, 0)
        func dense(_ values: [Double]) throws -> DenseMatrix {
            var m = DenseMatrix(rows: n, columns: n)
            for (k, e) in circuit.pattern.enumerated() { m[e.row, e.column] += values[k] }
            return m
        }
        let jf = try dense(base.jacobianF), jq = try dense(base.jacobianQ)
        for j in 0..<n {
            let h = 1e-7
            var xp = x, xm = x
            xp[j] += h
            xm[j] -= h
            let p = load(xp, state: state), m = load(xm, state: state)
            for i in 0..<n {
                let df = (p.f[i] - m.f[i]) / (2 * h)
                let dq = (p.q[i] - m.q[i]) / (2 * h)
                assertClose(jf[i, j], df, relative: 1e-5, absolute: 1e-9, "dF[\(circuit.label(i))]/d\(circuit.label(j))")
                assertClose(jq[i, j], dq, relative: 1e-5, absolute: 1e-15, "dQ[\(circuit.label(i))]/d\(circuit.label(j))")
            }
        }
    }
}
