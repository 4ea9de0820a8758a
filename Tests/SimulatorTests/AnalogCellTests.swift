import Foundation
import Netlist
import TestSupport
import XCTest

@testable import Simulator

/// The analog computing cells of issue 3 that need features not yet in main: .ac, the Gummel-Poon
/// BJT, the level-1 MOSFET and the voltage-controlled switch (helper "dev"), and, for the
/// 1000-section ladder, the sparse LU (helper "speed"). Each test names the features it needs.
/// The cells that need only the transient analysis (in main) are in TransientCellTests.swift.
///
/// Every test checks two things:
/// - the cell's ideal math (what the deck's header says it computes), with a tolerance derived from
///   the non-idealities the header lists (op-amp gain 1e5 and GBW 10 MHz, diode/BJT laws, leakage);
/// - agreement with ngspice-39 on the same deck (references in Tests/Fixtures/analog, produced by
///   Tests/Fixtures/generate.py). DC and AC: point by point at the same sweep points/frequencies,
///   0.002·|ref| + 1 mV (AC: + 1e-6 per volt of drive). Transient: Kelvin's waveform is interpolated
///   linearly onto ngspice's time points and must lie within 0.002 × the column's full-scale swing
///   + 1 mV; near sharp edges (switching, PWL/PULSE corners) points are skipped and measured
///   quantities are compared instead (crossing times, thresholds, periods, held values).
///
/// This file is excluded from the SimulatorTests target in Package.swift until those features are
/// in main; remove it from `exclude:` there to run it. Helpers (CellDecks) are in CellTests.swift.
/// On a trial merge of main + cells + tran (24d9d26) + dev (fbbd4b7) all 13 cell tests of this file
/// and TransientCellTests passed, the worst ngspice disagreement being 0.57 of the tolerance
/// (log_divider, saturated points); the 1000-section ladder took 63 s in a debug build with the
/// dense LU, 2.3 s with speed (ef1960d) merged as well.
final class AnalogCellTests: XCTestCase {
    // MARK: - Integrator with reset

    /// Needs: .tran, PULSE and PWL sources, capacitor, S switch (VT/VH/RON/ROFF).
    ///
    /// Ideal: vout(t) = vout(toff) − vin/(R·C)·(t − toff) after the switch opens at toff (the
    /// reset pulse falls through VT − VH = 2.3 V, 0.54 µs after its edge starts), |vout| ≈
    /// |vin|·RON/R ≤ 0.8 mV while reset. Tolerance 1e-3 of the ramp + 2 mV: the finite gain makes
    /// it a leaky integrator (A·R·C = 10 s, ≤ 1e-4 per ms) and ROFF leaks 1e-5 per ms.
    func testIntegratorWithReset() throws {
        let (deck, kelvin, reference) = try CellDecks.transient("integrator_reset")
        let rc = try CellDecks.resistance(deck, "r1") * CellDecks.capacitance(deck, "c1")
        // (input, switch-open time, window end)
        let ramps: [(vin: Double, open: Double, end: Double)] = [(0.5, 0.10054e-3, 0.99e-3), (-0.8, 1.10054e-3, 2e-3)]
        for ramp in ramps {
            let start = try CellDecks.value(kelvin, "v(out)", at: ramp.open)
            XCTAssertLessThan(abs(start), 2e-3, "integrator not reset at \(ramp.open)")
            for t in stride(from: ramp.open + 10e-6, through: ramp.end, by: 10e-6) {
                let ideal = start - ramp.vin / rc * (t - ramp.open)
                assertClose(try CellDecks.value(kelvin, "v(out)", at: t), ideal, relative: 1e-3, absolute: 2e-3, "ramp at t = \(t)")
            }
        }
        for t in Array(stride(from: 0.01e-3, through: 0.095e-3, by: 5e-6)) + Array(stride(from: 1.01e-3, through: 1.095e-3, by: 5e-6)) {
            XCTAssertLessThan(abs(try CellDecks.value(kelvin, "v(out)", at: t)), 5e-3, "reset output at t = \(t)")
        }
        CellDecks.assertMatchesTransient(
            kelvin, reference, "integrator_reset", edges: [0.1e-3, 1.0e-3, 1.05e-3, 1.1e-3], guardTime: 5e-6)
    }

    // MARK: - Differentiator

    /// Needs: .tran, PWL with r= (repeat), capacitor, .ac with `AC 1` on a source.
    ///
    /// Transient ideal: vout = −R·C·dvin/dt = ∓2 V on the triangle's ±2 V/ms slopes, checked 100 µs
    /// after each corner (the RS·C = 10 µs settling has decayed to e^-10) within 0.2 % + 2 mV.
    /// AC ideal: H = −jωRC/(1 + jωRS·C) (RS in series with C), for f ≤ 1 kHz where the loop gain
    /// A(f)/NG(f) ≥ 1300: |H − H_ideal| ≤ 0.5 %·|H_ideal|.
    func testDifferentiator() throws {
        let (deck, results) = try CellDecks.simulate("differentiator.cir")
        let kelvin = try CellDecks.result(results, "tran1")
        let r = try CellDecks.resistance(deck, "r1"), c = try CellDecks.capacitance(deck, "c1")
        let rs = try CellDecks.resistance(deck, "rs")
        let slope = 2.0 / 1e-3  // V/s, rising on [2k, 2k+1] ms, falling on [2k+1, 2k+2] ms
        for k in 0..<4 {
            let sign: Double = k % 2 == 0 ? 1 : -1
            for t in stride(from: Double(k) * 1e-3 + 0.1e-3, through: Double(k) * 1e-3 + 0.98e-3, by: 20e-6) {
                assertClose(
                    try CellDecks.value(kelvin, "v(out)", at: t), -r * c * sign * slope, relative: 2e-3, absolute: 2e-3,
                    "differentiator at t = \(t)")
            }
        }
        CellDecks.assertMatchesTransient(
            kelvin, try CellDecks.reference("differentiator", "tran1"), "differentiator tran",
            edges: [0, 1e-3, 2e-3, 3e-3], guardTime: 60e-6)

        let ac = try CellDecks.result(results, "ac1")
        let frequency = try CellDecks.column(ac, "frequency")
        let real = try CellDecks.column(ac, "vr(out)"), imag = try CellDecks.column(ac, "vi(out)")
        var checked = 0
        for (k, f) in frequency.enumerated() where f <= 1000 {
            let w = 2 * Double.pi * f
            // H = -jwRC / (1 + jwRsC) = -jwRC (1 - jwRsC) / (1 + (wRsC)^2)
            let d = 1 + (w * rs * c) * (w * rs * c)
            let idealReal = -(w * r * c) * (w * rs * c) / d, idealImag = -(w * r * c) / d
            let error = hypot(real[k] - idealReal, imag[k] - idealImag)
            XCTAssertLessThanOrEqual(error, 5e-3 * hypot(idealReal, idealImag), "differentiator H at \(f) Hz")
            checked += 1
        }
        XCTAssertGreaterThanOrEqual(checked, 30)
        CellDecks.assertMatchesAC(ac, try CellDecks.reference("differentiator", "ac1"), "differentiator ac")
    }

    // MARK: - BJT log and exponent converters

    /// Needs: BJT (Gummel-Poon, NPN).
    ///
    /// Ideal: vout = −VT·ln(vin/(RIN·IS)) over 1 mV … 10 V. Tolerance 0.3 mV: the finite gain leaves
    /// the virtual ground at −vout/1e5, 0.4 % of iin at 1 mV (0.11 mV of vout in ngspice); VCB = 0
    /// (no Early effect), NF = 1, no RB/RE.
    func testBJTLogConverter() throws {
        let (deck, results) = try CellDecks.simulate("bjt_log_converter.cir")
        let dc = try CellDecks.result(results, "dc1")
        let rin = try CellDecks.resistance(deck, "rin")
        let isat = try bjtModel(deck, "q1").value("is", default: 1e-16)
        let sweep = try CellDecks.column(dc, "v-sweep"), out = try CellDecks.column(dc, "v(out)")
        XCTAssertGreaterThanOrEqual((sweep.max() ?? 0) / (sweep.min() ?? 1), 1e4 * 0.99, "fewer than 4 decades")
        for (vin, vout) in zip(sweep, out) {
            let ideal = -CellDecks.thermalVoltage * log(vin / (rin * isat))
            assertClose(vout, ideal, relative: 0, absolute: 3e-4, "log converter at vin = \(vin)")
        }
        CellDecks.assertMatchesPointwise(dc, try CellDecks.reference("bjt_log_converter", "dc1"), "bjt_log_converter")
    }

    /// Needs: BJT (Gummel-Poon, NPN).
    ///
    /// Ideal: vout = RF·IS·exp(−vin/VT), 7.5e-5 … 8.1 V (five decades). Tolerance 2e-3 relative
    /// + 1 µV: the summing node sits at −vout/1e5 (VCB ≠ 0 by ≤ 81 µV, no Early effect), ngspice
    /// lands within 1e-5; Kelvin's Newton tolerance (RELTOL 1e-3 on the junction) dominates.
    func testBJTExponentConverter() throws {
        let (deck, results) = try CellDecks.simulate("bjt_exp_converter.cir")
        let dc = try CellDecks.result(results, "dc1")
        let rf = try CellDecks.resistance(deck, "rf")
        let isat = try bjtModel(deck, "q1").value("is", default: 1e-16)
        let sweep = try CellDecks.column(dc, "v-sweep"), out = try CellDecks.column(dc, "v(out)")
        XCTAssertGreaterThanOrEqual((out.max() ?? 0) / (out.min() ?? 1), 1e5, "fewer than 5 decades")
        for (vin, vout) in zip(sweep, out) {
            let ideal = rf * isat * exp(-vin / CellDecks.thermalVoltage)
            assertClose(vout, ideal, relative: 2e-3, absolute: 1e-6, "exponent converter at vin = \(vin)")
        }
        CellDecks.assertMatchesPointwise(dc, try CellDecks.reference("bjt_exp_converter", "dc1"), "bjt_exp_converter")
    }

    // MARK: - Log-antilog multiplier and divider

    /// Needs: BJT (Gummel-Poon, NPN), nested .dc.
    ///
    /// Ideal: z = (RF/R)·x·y/w = x·y/10 (w = 10 V). Tolerance 0.5 % + 1 mV: the summers' finite
    /// gain leaves ~60 µV on the exponent node, which the exponent converter turns into −0.23 %
    /// (ngspice: −0.20 … −0.24 %).
    func testLogMultiplier() throws {
        try checkLogArithmetic("log_multiplier", only: { _, _, _ in true })
    }

    /// Needs: BJT (Gummel-Poon, NPN), nested .dc.
    ///
    /// Ideal: z = (RF/R)·x·y/w = 10·x/w (y = 10 V), checked where x ≤ w (z ≤ 10 V; beyond, the
    /// output saturates). Tolerance 0.5 % + 1 mV, as the multiplier.
    func testLogDivider() throws {
        try checkLogArithmetic("log_divider", only: { x, _, w in x <= w * (1 + 1e-9) })
    }

    private func checkLogArithmetic(_ cell: String, only: (Double, Double, Double) -> Bool) throws {
        let (deck, results) = try CellDecks.simulate("\(cell).cir")
        let dc = try CellDecks.result(results, "dc1")
        let scale = try CellDecks.resistance(deck, "rf") / CellDecks.resistance(deck, "rx")
        let x = try CellDecks.column(dc, "v(x)"), y = try CellDecks.column(dc, "v(y)")
        let w = try CellDecks.column(dc, "v(w)"), z = try CellDecks.column(dc, "v(z)")
        var checked = 0
        for k in x.indices where only(x[k], y[k], w[k]) {
            assertClose(z[k], scale * x[k] * y[k] / w[k], relative: 5e-3, absolute: 1e-3,
                        "\(cell) at x = \(x[k]), y = \(y[k]), w = \(w[k])")
            checked += 1
        }
        XCTAssertGreaterThan(checked, 40)
        CellDecks.assertMatchesPointwise(dc, try CellDecks.reference(cell, "dc1"), cell)
    }

    // MARK: - NMOS voltage-controlled resistor

    /// Needs: MOSFET level 1 (NMOS, W/L instance parameters), nested .dc.
    ///
    /// Ideal (level 1 triode, source on the virtual ground, GAMMA = LAMBDA = 0):
    /// vout = −RF·KP·(W/L)·((vg − VTO)·vin − vin²/2), both signs of vin. Tolerance 1e-3·|ideal|
    /// + 0.2 mV: the noise gain ≤ 41 against A = 1e5 costs ≤ 4e-4 (ngspice: 5.8e-4 worst).
    /// The small-signal gain (vout(+10 mV) − vout(−10 mV))/20 mV = −RF·KP·(W/L)·(vg − VTO)
    /// exactly (the vin² terms cancel): within 1e-3.
    func testNMOSVoltageControlledResistor() throws {
        let (deck, results) = try CellDecks.simulate("nmos_vcr_amplifier.cir")
        let dc = try CellDecks.result(results, "dc1")
        let rf = try CellDecks.resistance(deck, "rf")
        guard case .mosfet(let model, let instance) = try CellDecks.element(deck, "m1").kind else {
            throw CellError("m1 is not a MOSFET")
        }
        let beta = model.value("kp", default: 2e-5) * (instance["w"] ?? 1e-4) / (instance["l"] ?? 1e-4)
        let vto = model.value("vto", default: 0)
        let vin = try CellDecks.column(dc, "v(in)"), vg = try CellDecks.column(dc, "v(g)")
        let out = try CellDecks.column(dc, "v(out)")
        for k in vin.indices {
            let ideal = -rf * beta * ((vg[k] - vto) * vin[k] - vin[k] * vin[k] / 2)
            assertClose(out[k], ideal, relative: 1e-3, absolute: 2e-4, "VCR amplifier at vin = \(vin[k]), vg = \(vg[k])")
        }
        var gains = 0
        for k in vin.indices where abs(vin[k] - 0.01) < 1e-9 {
            guard let m = vin.indices.first(where: { abs(vin[$0] + 0.01) < 1e-9 && abs(vg[$0] - vg[k]) < 1e-9 }) else { continue }
            let gain = (out[k] - out[m]) / 0.02
            assertClose(gain, -rf * beta * (vg[k] - vto), relative: 1e-3, absolute: 0, "VCR gain at vg = \(vg[k])")
            gains += 1
        }
        XCTAssertEqual(gains, 7)
        CellDecks.assertMatchesPointwise(dc, try CellDecks.reference("nmos_vcr_amplifier", "dc1"), "nmos_vcr_amplifier")
    }

    // MARK: - Sample-and-hold weight cell

    /// Needs: .tran, PWL (with + continuation) and PULSE sources, capacitor, S switch.
    ///
    /// Ideal: after the k-th write (switch opens at t_k = k + 0.60052 ms, when the 1 µs falling
    /// edge crosses VT − VH = 2.4 V), vout = w_k·exp(−(t − t_k)/(RLEAK·CH)) while the bus returns
    /// to 0 V. Tolerance 2e-4·|w| + 0.2 mV (follower gain 1 − 1e-5, ROFF leak 1e-3 of RLEAK's,
    /// ngspice within 6e-5 V). During the write (bus at w_k) vout = w_k within 1 mV.
    /// ngspice: waveforms 5 µs away from the bus and write-pulse edges.
    func testSampleAndHoldWeightCell() throws {
        let (deck, kelvin, reference) = try CellDecks.transient("sample_hold_weight")
        let tau = try CellDecks.resistance(deck, "rleak") * CellDecks.capacitance(deck, "ch")
        let weights = [2.0, -1.5, 3.3, 0.7, -2.5]
        for (k, w) in weights.enumerated() {
            let slot = Double(k) * 1e-3
            assertClose(try CellDecks.value(kelvin, "v(out)", at: slot + 0.59e-3), w, relative: 0, absolute: 1e-3, "writing w\(k)")
            let open = slot + 0.60052e-3
            for hold in [0.05e-3, 0.3e-3, 0.7e-3] where open + hold < 5e-3 {
                assertClose(
                    try CellDecks.value(kelvin, "v(out)", at: open + hold), w * exp(-hold / tau), relative: 2e-4, absolute: 2e-4,
                    "held weight w\(k) after \(hold) s")
            }
        }
        let edges = (0..<5).flatMap { k in [0.3e-3, 0.4e-3, 0.6e-3, 0.7e-3].map { Double(k) * 1e-3 + $0 } }
        CellDecks.assertMatchesTransient(kelvin, reference, "sample_hold_weight", edges: edges, guardTime: 5e-6)
    }

    // MARK: - Stiff and large cases

    /// Needs: .tran, PULSE source (in main), and for a practical run time the sparse LU of "speed":
    /// 1002 unknowns take 63 s in a debug build with the dense LU, 2.3 s with KLU.
    ///
    /// Ideal: every node settles to 1 V (within 1e-4 at TSTOP, 4.4e-6 is left in the far end),
    /// and each node's Elmore delay ∫(1 − v(nk)) dt = R·C·(k·N − k(k−1)/2), exact for a linear RC
    /// tree, within 3e-3 (trapezoidal quadrature over Kelvin's own time points; ngspice's
    /// reference, trapezoidal, gives 5e-6; ngspice with `method=gear` gives −1.8e-3 at n1, its
    /// first steps after the 1 ns edge being less accurate). ngspice: the saved nodes' waveforms
    /// from 10 µs on.
    func testRCLadder1000() throws {
        let (deck, kelvin, reference) = try CellDecks.transient("rc_ladder_1000")
        let n = 1000
        let rc = try CellDecks.resistance(deck, "r1") * CellDecks.capacitance(deck, "c1")
        let time = try CellDecks.column(kelvin, "time")
        for k in [1, 10, 100, 250, 500, 750, 1000] {
            let v = try CellDecks.column(kelvin, "v(n\(k))")
            var elmore = 0.0
            for i in 1..<time.count {
                elmore += (time[i] - time[i - 1]) * (2 - v[i] - v[i - 1]) / 2
            }
            let ideal = rc * (Double(k * n) - Double(k * (k - 1)) / 2)
            assertClose(elmore, ideal, relative: 3e-3, absolute: 0, "Elmore delay of n\(k)")
            assertClose(v.last ?? 0, 1, relative: 0, absolute: 1e-4, "final value of n\(k)")
        }
        CellDecks.assertMatchesTransient(kelvin, reference, "rc_ladder_1000", from: 10e-6)
    }

    // MARK: - Helpers

    private func bjtModel(_ deck: Deck, _ name: String) throws -> Model {
        guard case .bjt(let model, _) = try CellDecks.element(deck, name).kind else {
            throw CellError("\(name) is not a BJT")
        }
        return model
    }
}
