import Foundation
import Netlist
import TestSupport
import XCTest

@testable import Simulator

/// The analog computing cells of issue 3 that need features arriving with it: transient analysis
/// (.tran, PULSE/SIN/PWL sources, `.options method=gear`), .ac, the Gummel-Poon BJT, the level-1
/// MOSFET and the voltage-controlled switch. Each test names the features it needs.
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
/// On a trial merge of main + cells + tran (24d9d26) + dev (fbbd4b7) all 13 tests passed, the worst
/// ngspice disagreement being 0.57 of the tolerance (log_divider, saturated points); the 1000-section
/// ladder took 63 s in a debug build with the dense LU, 2.3 s with speed (ef1960d) merged as well.
final class AnalogCellTests: XCTestCase {
    private func tran(_ cell: String) throws -> (Deck, SimulationResult, CellReference) {
        let (deck, results) = try CellDecks.simulate("\(cell).cir")
        return (deck, try CellDecks.result(results, "tran1"), try CellDecks.reference(cell, "tran1"))
    }

    /// The value of `name` in `result` at time t (linear interpolation).
    private func value(_ result: SimulationResult, _ name: String, at t: Double) throws -> Double {
        CellDecks.interpolate(try CellDecks.column(result, "time"), try CellDecks.column(result, name), at: t)
    }

    // MARK: - Integrator with reset

    /// Needs: .tran, PULSE and PWL sources, capacitor, S switch (VT/VH/RON/ROFF).
    ///
    /// Ideal: vout(t) = vout(toff) − vin/(R·C)·(t − toff) after the switch opens at toff (the
    /// reset pulse falls through VT − VH = 2.3 V, 0.54 µs after its edge starts), |vout| ≈
    /// |vin|·RON/R ≤ 0.8 mV while reset. Tolerance 1e-3 of the ramp + 2 mV: the finite gain makes
    /// it a leaky integrator (A·R·C = 10 s, ≤ 1e-4 per ms) and ROFF leaks 1e-5 per ms.
    func testIntegratorWithReset() throws {
        let (deck, kelvin, reference) = try tran("integrator_reset")
        let rc = try CellDecks.resistance(deck, "r1") * CellDecks.capacitance(deck, "c1")
        // (input, switch-open time, window end)
        let ramps: [(vin: Double, open: Double, end: Double)] = [(0.5, 0.10054e-3, 0.99e-3), (-0.8, 1.10054e-3, 2e-3)]
        for ramp in ramps {
            let start = try value(kelvin, "v(out)", at: ramp.open)
            XCTAssertLessThan(abs(start), 2e-3, "integrator not reset at \(ramp.open)")
            for t in stride(from: ramp.open + 10e-6, through: ramp.end, by: 10e-6) {
                let ideal = start - ramp.vin / rc * (t - ramp.open)
                assertClose(try value(kelvin, "v(out)", at: t), ideal, relative: 1e-3, absolute: 2e-3, "ramp at t = \(t)")
            }
        }
        for t in Array(stride(from: 0.01e-3, through: 0.095e-3, by: 5e-6)) + Array(stride(from: 1.01e-3, through: 1.095e-3, by: 5e-6)) {
            XCTAssertLessThan(abs(try value(kelvin, "v(out)", at: t)), 5e-3, "reset output at t = \(t)")
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
                    try value(kelvin, "v(out)", at: t), -r * c * sign * slope, relative: 2e-3, absolute: 2e-3,
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

    // MARK: - Comparator and Schmitt trigger

    /// Needs: .tran, SIN source.
    ///
    /// Ideal: the output changes sign when vin = 2·sin(2π·100 t) crosses VREF = 1 V, at T/12 and
    /// 5T/12 (+ kT). The op-amp (GBW 10 MHz) is a slow comparator: its output crosses zero 5 … 40 µs
    /// later (header: ~19 µs; ngspice 18 and 15 µs). Away from the edges |vout| ≥ 11.8 V.
    /// ngspice: crossing times within 5 µs; waveforms within the standard tolerance 50 µs away
    /// from each output crossing.
    func testComparator() throws {
        let (_, kelvin, reference) = try tran("comparator")
        let time = try CellDecks.column(kelvin, "time"), out = try CellDecks.column(kelvin, "v(out)")
        let period = 10e-3
        let up = CellDecks.crossings(time, out, level: 0, rising: true)
        let down = CellDecks.crossings(time, out, level: 0, rising: false)
        let idealUp = [period / 12, period / 12 + period], idealDown = [5 * period / 12, 5 * period / 12 + period]
        XCTAssertEqual(up.count, idealUp.count, "rising output edges \(up)")
        XCTAssertEqual(down.count, idealDown.count, "falling output edges \(down)")
        for (t, ideal) in zip(up, idealUp) { XCTAssert((5e-6...40e-6).contains(t - ideal), "rising edge at \(t), input at \(ideal)") }
        for (t, ideal) in zip(down, idealDown) { XCTAssert((5e-6...40e-6).contains(t - ideal), "falling edge at \(t), input at \(ideal)") }
        let vin = try CellDecks.column(kelvin, "v(in)")
        for k in time.indices where abs(vin[k] - 1) > 0.2 {
            XCTAssertGreaterThanOrEqual(abs(out[k]), 11.8, "comparator output at t = \(time[k])")
        }
        let refTime = try reference.column("time"), refOut = try reference.column("v(out)")
        let refUp = CellDecks.crossings(refTime, refOut, level: 0, rising: true)
        let refDown = CellDecks.crossings(refTime, refOut, level: 0, rising: false)
        XCTAssertEqual(up.count, refUp.count)
        XCTAssertEqual(down.count, refDown.count)
        for (a, b) in zip(up + down, refUp + refDown) { XCTAssertEqual(a, b, accuracy: 5e-6, "comparator edge time") }
        CellDecks.assertMatchesTransient(kelvin, reference, "comparator", edges: refUp + refDown, guardTime: 50e-6)
    }

    /// Needs: .tran, SIN source, `.options method=gear`.
    ///
    /// Ideal: thresholds VTH± = ±β·Vsw with β = R1/(R1+R2) and Vsw the output just before the
    /// switch (≈ 11.93 V, lower than the 12.1 V plateau because the clamp current GM·vd shrinks
    /// as vd → 0). Measured as vin at the output's zero crossings; tolerance 1 % (the output keeps
    /// sagging in the last microseconds before the edge). The two thresholds are symmetric within
    /// 10 mV. ngspice: thresholds within 5 mV, edge times within 5 µs, waveforms 50 µs from edges.
    func testSchmittTrigger() throws {
        let (deck, kelvin, reference) = try tran("schmitt_trigger")
        let (r1, r2) = try (CellDecks.resistance(deck, "r1"), CellDecks.resistance(deck, "r2"))
        let beta = r1 / (r1 + r2)
        let time = try CellDecks.column(kelvin, "time"), out = try CellDecks.column(kelvin, "v(out)")
        let vin = try CellDecks.column(kelvin, "v(in)")
        let falls = CellDecks.crossings(time, out, level: 0, rising: false)  // vin rising past VTH+
        let rises = CellDecks.crossings(time, out, level: 0, rising: true)  // vin falling past VTH-
        XCTAssertEqual(falls.count, 2, "falling edges \(falls)")
        XCTAssertEqual(rises.count, 1, "rising edges \(rises)")
        var thresholds: [Double] = []
        for t in falls + rises {
            let threshold = CellDecks.interpolate(time, vin, at: t)
            let vsw = CellDecks.interpolate(time, out, at: t - 3e-6)
            assertClose(threshold, beta * vsw, relative: 1e-2, absolute: 0, "Schmitt threshold at t = \(t)")
            thresholds.append(threshold)
        }
        if let upper = thresholds.first, let lower = thresholds.last {
            XCTAssertEqual(upper, -lower, accuracy: 10e-3, "asymmetric thresholds \(thresholds)")
        }
        let refTime = try reference.column("time"), refOut = try reference.column("v(out)"), refIn = try reference.column("v(in)")
        let refEdges = CellDecks.crossings(refTime, refOut, level: 0, rising: false)
            + CellDecks.crossings(refTime, refOut, level: 0, rising: true)
        XCTAssertEqual(refEdges.count, thresholds.count)
        for (k, (t, tRef)) in zip(falls + rises, refEdges).enumerated() {
            XCTAssertEqual(t, tRef, accuracy: 5e-6, "Schmitt edge time")
            XCTAssertEqual(thresholds[k], CellDecks.interpolate(refTime, refIn, at: tRef), accuracy: 5e-3, "Schmitt threshold")
        }
        CellDecks.assertMatchesTransient(kelvin, reference, "schmitt_trigger", edges: refEdges, guardTime: 50e-6)
    }

    // MARK: - Relaxation oscillator

    /// Needs: .tran, PULSE source (start-up step), capacitor, `.options method=gear`.
    ///
    /// Ideal: T = 2·R·C·ln((1+β)/(1−β)) = 2.197 ms with β = 1/2. Tolerance 2.5 %: the clamp level
    /// is ~12.05 V while charging but ~11.9 V at the switching instant, which shortens T by 1.5 %
    /// (ngspice: 2.1588 ms, −1.7 %). Duty cycle 50 % within 1 %. ngspice: period within 0.2 %,
    /// capacitor swing (±β·Vsw) within 20 mV. No waveform comparison: a 0.1 % period difference
    /// is a growing phase shift.
    func testRelaxationOscillator() throws {
        let (deck, kelvin, reference) = try tran("relaxation_oscillator")
        let r = try CellDecks.resistance(deck, "r"), c = try CellDecks.capacitance(deck, "c1")
        let (r1, r2) = try (CellDecks.resistance(deck, "r1"), CellDecks.resistance(deck, "r2"))
        let beta = r1 / (r1 + r2)
        let ideal = 2 * r * c * log((1 + beta) / (1 - beta))

        func measure(_ time: [Double], _ out: [Double], _ minus: [Double]) -> (period: Double, high: Double, low: Double, swing: Double) {
            let up = CellDecks.crossings(time, out, level: 0, rising: true).filter { $0 > 1e-6 }
            let down = CellDecks.crossings(time, out, level: 0, rising: false)
            guard up.count >= 3 else { return (.nan, .nan, .nan, .nan) }
            let period = (up[up.count - 1] - up[0]) / Double(up.count - 1)
            let lastDown = down.last { $0 > up[up.count - 2] && $0 < up[up.count - 1] } ?? .nan
            let high = lastDown - up[up.count - 2], low = up[up.count - 1] - lastDown
            let tail = zip(time, minus).filter { $0.0 > up[0] }.map(\.1)
            return (period, high, low, (tail.max() ?? 0) - (tail.min() ?? 0))
        }
        let mine = measure(
            try CellDecks.column(kelvin, "time"), try CellDecks.column(kelvin, "v(out)"), try CellDecks.column(kelvin, "v(minus)"))
        let theirs = measure(try reference.column("time"), try reference.column("v(out)"), try reference.column("v(minus)"))
        assertClose(mine.period, ideal, relative: 2.5e-2, absolute: 0, "oscillator period vs 2RC ln((1+b)/(1-b))")
        assertClose(mine.high, mine.low, relative: 1e-2, absolute: 0, "oscillator duty cycle")
        assertClose(mine.period, theirs.period, relative: 2e-3, absolute: 0, "oscillator period vs ngspice")
        XCTAssertEqual(mine.swing, theirs.swing, accuracy: 20e-3, "capacitor swing vs ngspice")
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
        let (deck, kelvin, reference) = try tran("sample_hold_weight")
        let tau = try CellDecks.resistance(deck, "rleak") * CellDecks.capacitance(deck, "ch")
        let weights = [2.0, -1.5, 3.3, 0.7, -2.5]
        for (k, w) in weights.enumerated() {
            let slot = Double(k) * 1e-3
            assertClose(try value(kelvin, "v(out)", at: slot + 0.59e-3), w, relative: 0, absolute: 1e-3, "writing w\(k)")
            let open = slot + 0.60052e-3
            for hold in [0.05e-3, 0.3e-3, 0.7e-3] where open + hold < 5e-3 {
                assertClose(
                    try value(kelvin, "v(out)", at: open + hold), w * exp(-hold / tau), relative: 2e-4, absolute: 2e-4,
                    "held weight w\(k) after \(hold) s")
            }
        }
        let edges = (0..<5).flatMap { k in [0.3e-3, 0.4e-3, 0.6e-3, 0.7e-3].map { Double(k) * 1e-3 + $0 } }
        CellDecks.assertMatchesTransient(kelvin, reference, "sample_hold_weight", edges: edges, guardTime: 5e-6)
    }

    // MARK: - Stiff and large cases

    /// Needs: .tran, SIN source, inductor, diode with RS, CJO/VJ/M, TT and BV.
    ///
    /// Ideal: while the bridge is off (1 … 5 ms after each crest) the reservoir discharges only
    /// into RL: v(t2)/v(t1) = exp(−(t2 − t1)/(RL·C)), within 1e-3 (diode leakage ~10 nA and junction
    /// capacitance currents ~0.3 µA against 0.15 A of load). ngspice: v(p) over the whole run,
    /// i(ls) and i(vs) 0.2 ms away from the commutations (zero crossings of the line current, where
    /// it has a kink), inrush peak within 1 %.
    func testDiodeBridgeFilter() throws {
        let (deck, kelvin, reference) = try tran("diode_bridge_filter")
        let tau = try CellDecks.resistance(deck, "rl") * CellDecks.capacitance(deck, "c1")
        let time = try CellDecks.column(kelvin, "time"), p = try CellDecks.column(kelvin, "v(p)")
        for window in [(40e-3, 50e-3), (60e-3, 70e-3)] {
            let crest = zip(time, p).filter { $0.0 >= window.0 && $0.0 <= window.1 }.max { $0.1 < $1.1 }
            let t1 = try XCTUnwrap(crest).0 + 1e-3, t2 = t1 + 4e-3
            let ratio = CellDecks.interpolate(time, p, at: t2) / CellDecks.interpolate(time, p, at: t1)
            assertClose(ratio, exp(-(t2 - t1) / tau), relative: 1e-3, absolute: 0, "RL*C discharge after \(t1 - 1e-3)")
        }
        let inrush = try CellDecks.column(kelvin, "i(ls)").max() ?? 0
        assertClose(inrush, try reference.column("i(ls)").max() ?? 0, relative: 1e-2, absolute: 0, "inrush peak")
        CellDecks.assertMatchesTransient(kelvin, reference, "diode_bridge_filter", columns: ["v(p)"])
        // The line current has a kink where a diode pair stops conducting (the current reaches
        // zero and the snubber takes over): compare it 0.2 ms away from those instants.
        let refTime = try reference.column("time"), refCurrent = try reference.column("i(ls)")
        let commutations = CellDecks.crossings(refTime, refCurrent, level: 0, rising: true)
            + CellDecks.crossings(refTime, refCurrent, level: 0, rising: false)
        CellDecks.assertMatchesTransient(
            kelvin, reference, "diode_bridge_filter", columns: ["i(ls)", "i(vs)"], edges: commutations,
            guardTime: 0.2e-3, currentFloor: 1e-6)
    }

    /// Needs: .tran, PULSE source; 1002 unknowns (sparse LU for speed, not for correctness).
    ///
    /// Ideal: every node settles to 1 V (within 1e-4 at TSTOP, 4.4e-6 is left in the far end),
    /// and each node's Elmore delay ∫(1 − v(nk)) dt = R·C·(k·N − k(k−1)/2), exact for a linear RC
    /// tree, within 3e-3 (trapezoidal quadrature over Kelvin's own time points; ngspice's
    /// reference, trapezoidal, gives 5e-6; ngspice with `method=gear` gives −1.8e-3 at n1, its
    /// first steps after the 1 ns edge being less accurate). ngspice: the saved nodes' waveforms
    /// from 10 µs on.
    func testRCLadder1000() throws {
        let (deck, kelvin, reference) = try tran("rc_ladder_1000")
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
