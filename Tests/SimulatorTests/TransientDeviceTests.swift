import Foundation
import XCTest

@testable import Simulator

/// The BJT, MOSFET and switch models in transient analysis against ngspice-39 (decks in
/// Tests/Fixtures/dev). Kelvin's waveform is interpolated linearly onto ngspice's time points.
final class TransientDeviceTests: XCTestCase {
    /// Kelvin's `column` interpolated at `times`.
    private func interpolate(_ r: SimulationResult, _ column: String, at times: [Double]) throws -> [Double] {
        let t = try XCTUnwrap(r.column("time")), v = try XCTUnwrap(r.column(column))
        return times.map { x in
            var k = t.firstIndex { $0 >= x } ?? t.count - 1
            k = max(k, 1)
            let (t0, t1, v0, v1) = (t[k - 1], t[k], v[k - 1], v[k])
            return t1 > t0 ? v0 + (v1 - v0) * (x - t0) / (t1 - t0) : v1
        }
    }

    /// Times (s) at which `values` cross `level`, by linear interpolation.
    private func crossings(_ times: [Double], _ values: [Double], level: Double) -> [Double] {
        var result: [Double] = []
        for k in 1..<values.count where (values[k - 1] - level) * (values[k] - level) < 0 {
            result.append(times[k - 1] + (level - values[k - 1]) * (times[k] - times[k - 1]) / (values[k] - values[k - 1]))
        }
        return result
    }

    /// RC integrator with a hysteretic reset switch driven by a pulse: the whole waveform within
    /// 0.2 % of the swing + 1 mV (the switch bounds the step near its thresholds as ngspice's SWtrunc).
    func testSwitchedIntegratorMatchesNgspice() throws {
        let r = try XCTUnwrap(DevFixtures.simulate("tran_sw_integrator.cir").first)
        let ref = try DevFixtures.reference("tran_sw_integrator.tran1.csv")
        let times = ref.rows.map { $0[0] }
        for name in ["v(out)", "v(ctl)"] {
            let k = try XCTUnwrap(ref.header.firstIndex(of: name))
            let expected = ref.rows.map { $0[k] }
            let swing = (expected.max() ?? 0) - (expected.min() ?? 0)
            let actual = try interpolate(r, name, at: times)
            for (i, (a, e)) in zip(actual, expected).enumerated() {
                XCTAssertEqual(a, e, accuracy: 0.002 * swing + 1e-3, "\(name) at t = \(times[i])")
            }
        }
    }

    /// CMOS inverter chain (junction and overlap charges): edges are steep, so the test compares the
    /// 50 % crossing times of every stage (within 10 ps of ngspice's, stage delays are ~60 ps) and
    /// the waveforms away from the edges (0.2 % of the swing + 1 mV).
    func testCMOSInverterChainMatchesNgspice() throws {
        let r = try XCTUnwrap(DevFixtures.simulate("tran_cmos_inv.cir").first)
        let ref = try DevFixtures.reference("tran_cmos_inv.tran1.csv")
        let times = ref.rows.map { $0[0] }
        let mine = try XCTUnwrap(r.column("time"))
        for name in ["v(o1)", "v(o2)", "v(o3)"] {
            let k = try XCTUnwrap(ref.header.firstIndex(of: name))
            let expected = ref.rows.map { $0[k] }
            let ngspiceEdges = crossings(times, expected, level: 1.65)
            let kelvinEdges = crossings(mine, try XCTUnwrap(r.column(name)), level: 1.65)
            XCTAssertEqual(ngspiceEdges.count, kelvinEdges.count, name)
            for (a, b) in zip(kelvinEdges, ngspiceEdges) { XCTAssertEqual(a, b, accuracy: 10e-12, "\(name) edge") }
            let actual = try interpolate(r, name, at: times)
            for (i, (a, e)) in zip(actual, expected).enumerated()
            where !ngspiceEdges.contains(where: { abs($0 - times[i]) < 0.5e-9 }) {
                XCTAssertEqual(a, e, accuracy: 0.002 * 3.3 + 1e-3, "\(name) at t = \(times[i])")
            }
        }
    }

    /// Saturating BJT inverter (TF/TR diffusion and depletion charges): turn-on delay within 0.1 ns,
    /// the storage-time edge within 3 % of ngspice's storage time (the stiff diffusion charge makes
    /// it sensitive to the step sequence), the saturated collector voltage within 2 mV.
    func testSaturatingBJTInverterMatchesNgspice() throws {
        let r = try XCTUnwrap(DevFixtures.simulate("tran_bjt_switch.cir").first)
        let ref = try DevFixtures.reference("tran_bjt_switch.tran1.csv")
        let times = ref.rows.map { $0[0] }
        let k = try XCTUnwrap(ref.header.firstIndex(of: "v(c)"))
        let expected = ref.rows.map { $0[k] }
        let ngspiceEdges = crossings(times, expected, level: 2.5)
        let kelvinEdges = crossings(try XCTUnwrap(r.column("time")), try XCTUnwrap(r.column("v(c)")), level: 2.5)
        XCTAssertEqual(ngspiceEdges.count, 3)
        XCTAssertEqual(kelvinEdges.count, 3)
        guard ngspiceEdges.count == 3, kelvinEdges.count == 3 else { return }
        XCTAssertEqual(kelvinEdges[0], ngspiceEdges[0], accuracy: 0.1e-9, "turn-on")
        let storage = ngspiceEdges[1] - 113e-9    // input falls at 112–114 ns
        XCTAssertGreaterThan(storage, 50e-9)
        XCTAssertEqual(kelvinEdges[1], ngspiceEdges[1], accuracy: 0.03 * storage, "end of storage")
        XCTAssertEqual(kelvinEdges[2], ngspiceEdges[2], accuracy: 1e-9, "second turn-on")
        let actual = try interpolate(r, "v(c)", at: times)
        for (i, t) in times.enumerated() where (60e-9...110e-9).contains(t) || t > 260e-9 {
            XCTAssertEqual(actual[i], expected[i], accuracy: 2e-3, "saturated v(c) at t = \(t)")
        }
    }
}
