import Foundation
import Netlist
import TestSupport
import XCTest
@testable import Simulator

final class AnalyticTests: XCTestCase {
    func testVoltageDivider() throws {
        var t = TestDeck("divider")
        t.v("v1", "in", "0", 10)
        t.r("r1", "in", "out", 3e3)
        t.r("r2", "out", "0", 1e3)
        t.op()
        let r = try XCTUnwrap(t.run().first)
        XCTAssertEqual(r.name, "op1")
        XCTAssertEqual(r.plotName, "Operating Point")
        XCTAssertEqual(r.variables, ["v(in)", "v(out)", "i(v1)"])
        XCTAssertEqual(r.rows.count, 1)
        assertClose(try XCTUnwrap(r.value("v(out)")), 2.5, relative: 1e-12)
        // Current flows out of the + terminal into the divider: negative as SPICE reports it.
        assertClose(try XCTUnwrap(r.value("i(v1)")), -2.5e-3, relative: 1e-12)
        XCTAssertGreaterThan(r.newtonIterations, 0)
    }

    func testCurrentDivider() throws {
        var t = TestDeck()
        t.i("i1", "0", "n", 3e-3)  // 3 mA into node n
        t.r("r1", "n", "0", 1e3)
        t.r("r2", "n", "0", 2e3)
        t.op()
        let r = try XCTUnwrap(t.run().first)
        let vn = try XCTUnwrap(r.value("v(n)"))
        assertClose(vn, 3e-3 * (1e3 * 2e3 / 3e3), relative: 1e-12)
        assertClose(vn / 1e3, 2e-3, relative: 1e-12)  // 2/3 of the current through the smaller resistor
    }

    func testVCVS() throws {
        var t = TestDeck()
        t.v("v1", "c", "0", 0.5)
        t.e("e1", ["o", "0", "c", "0"], -4)
        t.r("rl", "o", "0", 1e3)
        t.op()
        let r = try XCTUnwrap(t.run().first)
        assertClose(try XCTUnwrap(r.value("v(o)")), -2, relative: 1e-12)
        XCTAssertNil(r.value("i(e1)"), "only V sources and inductors report currents")
    }

    func testVCCS() throws {
        var t = TestDeck()
        t.v("v1", "c", "0", 2)
        t.g("g1", ["o", "0", "c", "0"], 1e-3)  // 2 mA from o through G to ground
        t.r("rl", "o", "0", 1e3)
        t.op()
        let r = try XCTUnwrap(t.run().first)
        assertClose(try XCTUnwrap(r.value("v(o)")), -2, relative: 1e-12)
    }

    func testCCCS() throws {
        var t = TestDeck()
        t.v("v1", "a", "0", 1)
        t.v("vsense", "a", "b", 0)
        t.r("r1", "b", "0", 1e3)  // 1 mA through vsense
        t.f("f1", "0", "o", "vsense", 5)  // 5 mA from ground through F into o
        t.r("rl", "o", "0", 100)
        t.op()
        let r = try XCTUnwrap(t.run().first)
        assertClose(try XCTUnwrap(r.value("i(vsense)")), 1e-3, relative: 1e-12)
        assertClose(try XCTUnwrap(r.value("v(o)")), 0.5, relative: 1e-12)
    }

    func testCCVS() throws {
        var t = TestDeck()
        t.v("v1", "a", "0", 2)
        t.r("r1", "a", "0", 1e3)  // i(v1) = -2 mA
        t.h("h1", "o", "0", "v1", 500)
        t.r("rl", "o", "0", 1e3)
        t.op()
        let r = try XCTUnwrap(t.run().first)
        assertClose(try XCTUnwrap(r.value("v(o)")), -1, relative: 1e-12)
    }

    func testInductorShortCapacitorOpen() throws {
        var t = TestDeck()
        t.v("v1", "a", "0", 5)
        t.l("l1", "a", "b", 1e-3)
        t.r("r1", "b", "c", 1e3)
        t.c("c1", "c", "0", 1e-6)
        t.r("r2", "c", "0", 1e3)
        t.op()
        let r = try XCTUnwrap(t.run().first)
        assertClose(try XCTUnwrap(r.value("v(b)")), 5, relative: 1e-12)
        assertClose(try XCTUnwrap(r.value("v(c)")), 2.5, relative: 1e-12)
        assertClose(try XCTUnwrap(r.value("i(l1)")), 2.5e-3, relative: 1e-12)
    }

    /// Diode equation: the solved current must satisfy `I = IS·(exp(V/(N·Vt)) − 1) + gmin·V`.
    func testDiodeEquation() throws {
        for (isat, n, vsrc) in [(1e-14, 1.0, 1.0), (2e-9, 1.8, 5.0), (1e-14, 1.0, -3.0)] {
            var t = TestDeck()
            t.v("v1", "a", "0", vsrc)
            t.r("r1", "a", "k", 1e3)
            t.d("d1", "k", "0", ["is": isat, "n": n])
            t.op()
            let r = try XCTUnwrap(t.run().first)
            let vd = try XCTUnwrap(r.value("v(k)"))
            let current = (vsrc - vd) / 1e3
            let vt = 1.380649e-23 * (27 + 273.15) / 1.602176634e-19
            let model: Double
            if vd >= -3 * n * vt {
                model = isat * (exp(vd / (n * vt)) - 1) + 1e-12 * vd
            } else {
                let arg = pow(3 * n * vt / (vd * M_E), 3)
                model = -isat * (1 + arg) + 1e-12 * vd
            }
            assertClose(current, model, relative: 1e-6, absolute: 1e-15, "IS=\(isat) N=\(n) V=\(vsrc)")
        }
    }

    /// Series resistance: `V(anode) = I·RS + N·Vt·ln(I/IS + 1)` (gmin negligible here).
    func testDiodeWithSeriesResistance() throws {
        var t = TestDeck()
        t.v("v1", "a", "0", 2)
        t.r("r1", "a", "k", 100)
        t.d("d1", "k", "0", ["is": 1e-14, "rs": 10])
        t.op()
        let r = try XCTUnwrap(t.run().first)
        XCTAssertEqual(r.variables, ["v(a)", "v(k)", "i(v1)"], "the internal node is not reported")
        let vk = try XCTUnwrap(r.value("v(k)"))
        let current = -(try XCTUnwrap(r.value("i(v1)")))
        let vt = 1.380649e-23 * 300.15 / 1.602176634e-19
        assertClose(vk, current * 10 + vt * log(current / 1e-14 + 1), relative: 1e-6)
        assertClose(current, (2 - vk) / 100, relative: 1e-9)
    }

    /// Reverse breakdown: with BV = 5.1 and IBV = 1 mA the diode clamps near −5.1 V.
    func testZenerBreakdown() throws {
        var t = TestDeck()
        t.v("v1", "a", "0", -12)
        t.r("r1", "a", "k", 1e3)
        t.d("d1", "k", "0", ["bv": 5.1, "ibv": 1e-3])
        t.op()
        let r = try XCTUnwrap(t.run().first)
        let vk = try XCTUnwrap(r.value("v(k)"))
        XCTAssertLessThan(vk, -5.1)
        XCTAssertGreaterThan(vk, -5.5)
    }

    /// Inverting amplifier with an E-source op-amp of open-loop gain A:
    /// `Vout/Vin = −(Rf/Rin) / (1 + (1 + Rf/Rin)/A)`.
    func testInvertingAmplifierWithFiniteGain() throws {
        let a = 1e5, rin = 1e3, rf = 10e3, vin = 0.3
        var t = TestDeck()
        t.v("vin", "in", "0", vin)
        t.r("rin", "in", "minus", rin)
        t.r("rf", "minus", "out", rf)
        t.e("eamp", ["out", "0", "0", "minus"], a)
        t.op()
        let r = try XCTUnwrap(t.run().first)
        let expected = -vin * (rf / rin) / (1 + (1 + rf / rin) / a)
        assertClose(try XCTUnwrap(r.value("v(out)")), expected, relative: 1e-10)
    }

    func testTemperatureChangesThermalVoltage() throws {
        var t = TestDeck()
        t.i("i1", "0", "k", 1e-3)
        t.d("d1", "k", "0", ["is": 1e-14, "xti": 0, "eg": 0])  // no IS temperature scaling
        t.op()
        t.option("temp", 100)
        t.option("tnom", 100)
        let r = try XCTUnwrap(t.run().first)
        let vt = 1.380649e-23 * 373.15 / 1.602176634e-19
        let vd = try XCTUnwrap(r.value("v(k)"))
        assertClose(vd, vt * log((1e-3 - 1e-12 * vd) / 1e-14 + 1), relative: 1e-6)
    }
}
