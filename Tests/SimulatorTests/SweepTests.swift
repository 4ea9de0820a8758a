import Foundation
import Netlist
import TestSupport
import XCTest
@testable import Simulator

final class SweepTests: XCTestCase {
    func testDCSweepOfVoltageSource() throws {
        var t = TestDeck()
        t.v("v1", "in", "0", 0)
        t.r("r1", "in", "out", 1e3)
        t.r("r2", "out", "0", 1e3)
        t.dc(SweepSpec(source: "v1", start: 0, stop: 5, step: 0.5))
        let r = try XCTUnwrap(t.run().first)
        XCTAssertEqual(r.name, "dc1")
        XCTAssertEqual(r.plotName, "DC transfer characteristic")
        XCTAssertEqual(r.variables, ["v-sweep", "v(in)", "v(out)", "i(v1)"])
        XCTAssertEqual(r.rows.count, 11)
        for (k, row) in r.rows.enumerated() {
            assertClose(row[0], Double(k) * 0.5, relative: 1e-12, absolute: 1e-15)
            assertClose(row[2], row[0] / 2, relative: 1e-12, absolute: 1e-15)
        }
    }

    func testCurrentSweepScaleIsISweep() throws {
        var t = TestDeck()
        t.i("i1", "0", "n", 0)
        t.r("r1", "n", "0", 2e3)
        t.dc(SweepSpec(source: "i1", start: 0, stop: 1e-3, step: 0.25e-3))
        t.op()
        let results = try t.run()
        XCTAssertEqual(results.map(\.name), ["dc1", "op1"])
        let r = results[0]
        XCTAssertEqual(r.variables.first, "i-sweep")
        XCTAssertEqual(r.rows.count, 5)
        assertClose(r.rows[4][1], 2, relative: 1e-12)
    }

    func testNestedSweepInnerFirst() throws {
        var t = TestDeck()
        t.v("v1", "a", "0", 0)
        t.v("v2", "b", "0", 0)
        t.r("r1", "a", "m", 1e3)
        t.r("r2", "b", "m", 1e3)
        t.r("r3", "m", "0", 1e3)
        t.dc(SweepSpec(source: "v1", start: 0, stop: 1, step: 0.5), SweepSpec(source: "v2", start: 0, stop: 2, step: 1))
        t.dc(SweepSpec(source: "v2", start: 1, stop: 0, step: -1))
        let results = try t.run()
        XCTAssertEqual(results.map(\.name), ["dc1", "dc2"])
        let r = results[0]
        XCTAssertEqual(r.rows.count, 9)
        let vm = try XCTUnwrap(r.column("v(m)"))
        let scale = try XCTUnwrap(r.column("v-sweep"))
        XCTAssertEqual(scale, [0, 0.5, 1, 0, 0.5, 1, 0, 0.5, 1])
        for k in 0..<9 {
            let v1 = Double(k % 3) * 0.5, v2 = Double(k / 3)
            assertClose(vm[k], (v1 + v2) / 3, relative: 1e-12, absolute: 1e-15)
        }
        XCTAssertEqual(results[1].column("v-sweep"), [1, 0])
    }

    func testDiodeSweepContinuation() throws {
        var t = TestDeck()
        t.v("v1", "a", "0", 0)
        t.r("r1", "a", "k", 1e3)
        t.d("d1", "k", "0", ["is": 1e-14])
        t.dc(SweepSpec(source: "v1", start: -2, stop: 5, step: 0.1))
        let r = try XCTUnwrap(t.run().first)
        XCTAssertEqual(r.rows.count, 71)
        let vk = try XCTUnwrap(r.column("v(k)"))
        for k in 1..<vk.count { XCTAssertGreaterThanOrEqual(vk[k], vk[k - 1]) }
    }

    /// A resistor/diode ladder like bench/make_ladder.py's, `sections` long, driven by `vin`.
    private func diodeLadder(sections: Int, vin: Double = 0) -> TestDeck {
        var t = TestDeck()
        t.v("vin", "n0", "0", vin)
        for k in 1...sections {
            t.r("rs\(k)", "n\(k - 1)", "n\(k)", 20)
            t.d("d\(k)", "n\(k)", "0", model: "dl", ["is": 1e-14, "n": 1.5, "rs": 2])
            t.r("rp\(k)", "n\(k)", "0", 5e3)
        }
        return t
    }

    /// The sweep predictor (`NewtonSolver.extrapolate`, ngspice's MODEINITPRED) changes
    /// only where Newton starts: every point agrees with the sweep without it to far inside the
    /// Newton tolerances, and it takes fewer iterations where the diodes turn on.
    func testSweepPredictorKeepsSolutionsAndSavesIterations() throws {
        let circuit = try Circuit(deck: diodeLadder(sections: 20).deck)
        let options = Options()
        let settings = ContinuationSettings(options: options)
        let source = try XCTUnwrap(circuit.sources["vin"])
        let values = try DCSweep.values(SweepSpec(source: "vin", start: 0, stop: 10, step: 0.05), analysis: "dc1")
        var runs: [(solutions: [[Double]], iterations: Int)] = []
        for predicting in [false, true] {
            var newton = try NewtonSolver(circuit: circuit, options: options)
            var previous: NewtonState?, older: NewtonState?
            var solutions: [[Double]] = []
            var predicted: [Double] = []
            for value in values {
                newton.setSource(source, to: value)
                if predicting, let previous, let older {
                    NewtonSolver.extrapolate(previous.state, older.state, into: &predicted)
                }
                let next = try newton.nextOperatingPoint(
                    after: previous, predictedState: predicted, settings: settings, point: { "vin = \(value)" },
                    analysis: "dc1")
                (older, previous) = (previous, next)
                solutions.append(next.x)
            }
            runs.append((solutions, newton.iterations))
        }
        for (plain, predicted) in zip(runs[0].solutions, runs[1].solutions) {
            for (a, b) in zip(plain, predicted) { assertClose(b, a, relative: 1e-6, absolute: 1e-9) }
        }
        XCTAssertLessThan(runs[1].iterations, runs[0].iterations)
    }

    /// A nested sweep predicts only within one inner sweep: each point still matches an operating
    /// point computed on its own.
    func testNestedDiodeSweepMatchesOperatingPoints() throws {
        var t = diodeLadder(sections: 5)
        t.v("vb", "b", "0", 0)
        t.r("rb", "b", "n5", 100)
        t.dc(SweepSpec(source: "vin", start: 0, stop: 4, step: 0.5), SweepSpec(source: "vb", start: 0, stop: 2, step: 1))
        let r = try XCTUnwrap(t.run().first)
        XCTAssertEqual(r.rows.count, 27)
        for (k, row) in r.rows.enumerated() {
            var single = diodeLadder(sections: 5, vin: Double(k % 9) * 0.5)
            single.v("vb", "b", "0", Double(k / 9))
            single.r("rb", "b", "n5", 100)
            single.op()
            let op = try XCTUnwrap(single.run().first)
            XCTAssertEqual(op.variables, Array(r.variables.dropFirst()))
            for (a, b) in zip(row.dropFirst(), op.rows[0]) { assertClose(a, b, relative: 1e-6, absolute: 1e-9) }
        }
    }

    func testSweepPointCount() throws {
        XCTAssertEqual(try DCSweep.values(SweepSpec(source: "v", start: 0, stop: 1, step: 0.1), analysis: "dc1").count, 11)
        XCTAssertEqual(try DCSweep.values(SweepSpec(source: "v", start: 1, stop: 1, step: 0), analysis: "dc1"), [1])
        XCTAssertThrowsError(try DCSweep.values(SweepSpec(source: "v", start: 0, stop: 1, step: -0.1), analysis: "dc1"))
    }
}
