import Foundation
import Netlist
import XCTest
@testable import Simulator

/// Runs the same circuits through ngspice (`ngspice -b -r`, ASCII rawfile) and Kelvin and requires
/// agreement within 0.2 % + 1 mV (voltages) / 0.2 % + 1 nA (currents). Skipped without ngspice.
final class NgspiceAgreementTests: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipIf(NgspiceRunner.executable == nil, "ngspice is not installed")
    }

    /// Compares every column both results share, by name; returns the largest relative deviation.
    @discardableResult
    func compare(_ t: TestDeck, file: StaticString = #filePath, line: UInt = #line) throws -> Double {
        let ours = try t.run()
        let theirs = try NgspiceRunner.results(t.spice)
        var worst = 0.0
        var worstAt = ""
        for r in ours {
            let kind = r.name.filter(\.isLetter)
            guard let s = theirs.first(where: { $0.name.filter(\.isLetter) == kind }) else {
                XCTFail("ngspice has no \(kind) plot", file: file, line: line)
                continue
            }
            XCTAssertEqual(r.rows.count, s.rows.count, "\(r.name) point count", file: file, line: line)
            for (k, variable) in r.variables.enumerated() {
                guard let j = s.variables.firstIndex(of: variable) else {
                    XCTFail("ngspice has no \(variable) in \(r.name) (has \(s.variables))", file: file, line: line)
                    continue
                }
                let floor = variable.hasPrefix("i") ? 1e-9 : 1e-3
                for p in 0..<min(r.rows.count, s.rows.count) {
                    let a = r.rows[p][k], b = s.rows[p][j]
                    let bound = 2e-3 * abs(b) + floor
                    if abs(a - b) > bound {
                        XCTFail("\(r.name) \(variable) point \(p): kelvin \(a) ngspice \(b)", file: file, line: line)
                    }
                    let dev = abs(a - b) / max(abs(b), floor)
                    if dev > worst { worst = dev; worstAt = "\(r.name) \(variable) point \(p): \(a) vs \(b)" }
                }
            }
        }
        print("ngspice agreement [\(t.deck.title)]: largest deviation \(String(format: "%.3g", worst)) of |ngspice| (floored) at \(worstAt)")
        return worst
    }

    func testLinearNetworkWithAllControlledSources() throws {
        var t = TestDeck("controlled sources")
        t.v("v1", "in", "0", 2)
        t.r("r1", "in", "a", 1e3)
        t.r("r2", "a", "0", 2.2e3)
        t.v("vs", "a", "s", 0)
        t.r("r3", "s", "0", 4.7e3)
        t.e("e1", ["b", "0", "a", "0"], 3)
        t.r("rb", "b", "c", 1e3)
        t.g("g1", ["c", "0", "in", "a"], 1e-3)
        t.f("f1", "c", "0", "vs", 2)
        t.h("h1", "d", "0", "vs", 1e3)
        t.r("rd", "d", "c", 10e3)
        t.l("l1", "c", "e", 1e-3)
        t.r("re", "e", "0", 3.3e3)
        t.i("i1", "0", "e", 1e-4)
        t.op()
        t.dc(SweepSpec(source: "v1", start: -1, stop: 1, step: 0.25))
        try compare(t)
    }

    func testDiodeCurveWithSeriesResistance() throws {
        var t = TestDeck("diode curve")
        t.v("v1", "a", "0", 0)
        t.r("r1", "a", "k", 100)
        t.d("d1", "k", "0", ["is": 2.52e-9, "n": 1.752, "rs": 0.568, "cjo": 4e-12])
        t.dc(SweepSpec(source: "v1", start: -5, stop: 5, step: 0.05))
        t.op()
        try compare(t)
    }

    func testZenerClampSweep() throws {
        var t = TestDeck("zener")
        t.v("v1", "a", "0", 0)
        t.r("r1", "a", "k", 1e3)
        t.d("d1", "0", "k", ["is": 1e-14, "bv": 5.6, "ibv": 1e-3, "n": 1.2])
        t.d("d2", "k", "m", model: "d2mod", ["is": 1e-12, "bv": 3, "ibv": 1e-4, "nbv": 2])
        t.r("r2", "m", "0", 500)
        t.dc(SweepSpec(source: "v1", start: -10, stop: 10, step: 0.1))
        try compare(t)
    }

    func testDiodeBridgeAndCurrentSweep() throws {
        var t = TestDeck("bridge")
        t.i("i1", "0", "p", 0)
        t.r("rsrc", "p", "0", 10e3)
        t.d("d1", "p", "o", ["is": 1e-14])
        t.d("d2", "0", "o", ["is": 1e-14])
        t.d("d3", "q", "p", ["is": 1e-14])
        t.d("d4", "q", "0", ["is": 1e-14])
        t.r("rl", "o", "q", 1e3)
        t.dc(SweepSpec(source: "i1", start: -10e-3, stop: 10e-3, step: 0.5e-3))
        try compare(t)
    }

    func testNestedSweepWithTemperatureAndArea() throws {
        var t = TestDeck("nested")
        t.v("v1", "a", "0", 0)
        t.v("v2", "b", "0", 0)
        t.r("r1", "a", "k", 1e3)
        t.d("d1", "k", "b", ["is": 1e-15, "n": 1.1, "rs": 2], instance: ["area": 3])
        t.r("r2", "k", "0", 1e4)
        t.option("temp", 60)
        t.dc(SweepSpec(source: "v1", start: 0, stop: 3, step: 0.2), SweepSpec(source: "v2", start: -1, stop: 1, step: 0.5))
        try compare(t)
    }

    func testOpAmpAntiParallelDiodeLogAmp() throws {
        var t = TestDeck("log amp")
        t.v("vin", "in", "0", 1)
        t.r("rin", "in", "minus", 10e3)
        t.d("d1", "minus", "out", ["is": 1e-14])
        t.d("d2", "out", "minus", ["is": 1e-14])
        t.e("eamp", ["out", "0", "0", "minus"], 1e5)
        t.dc(SweepSpec(source: "vin", start: -5, stop: 5, step: 0.25))
        t.op()
        try compare(t)
    }
}
