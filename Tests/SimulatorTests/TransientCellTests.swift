import Foundation
import Netlist
import TestSupport
import XCTest

@testable import Simulator

/// The analog computing cells that need the transient analysis (in main): comparator, Schmitt
/// trigger, relaxation oscillator, and the stiff diode bridge with a 1000 µF filter. Each test checks
/// the cell's ideal math and its agreement with ngspice-39 (references in Tests/Fixtures/analog),
/// with the conventions of AnalogCellTests.swift: waveforms interpolated onto ngspice's time points
/// within 0.002 × full-scale swing + 1 mV, sharp edges compared as measured quantities (crossing
/// times, thresholds, periods). Helpers (CellDecks) are in CellTests.swift.
final class TransientCellTests: XCTestCase {
    // MARK: - Comparator and Schmitt trigger

    /// Needs: .tran, SIN source.
    ///
    /// Ideal: the output changes sign when vin = 2·sin(2π·100 t) crosses VREF = 1 V, at T/12 and
    /// 5T/12 (+ kT). The op-amp (GBW 10 MHz) is a slow comparator: its output crosses zero 5 … 40 µs
    /// later (header: ~19 µs; ngspice 18 and 15 µs). Away from the edges |vout| ≥ 11.8 V.
    /// ngspice: crossing times within 5 µs; waveforms within the standard tolerance 50 µs away
    /// from each output crossing.
    func testComparator() throws {
        let (_, kelvin, reference) = try CellDecks.transient("comparator")
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
        let (deck, kelvin, reference) = try CellDecks.transient("schmitt_trigger")
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
        let (deck, kelvin, reference) = try CellDecks.transient("relaxation_oscillator")
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

    // MARK: - Stiff case

    /// Needs: .tran, SIN source, inductor, diode with RS, CJO/VJ/M, TT and BV.
    ///
    /// Ideal: while the bridge is off (1 … 5 ms after each crest) the reservoir discharges only
    /// into RL: v(t2)/v(t1) = exp(−(t2 − t1)/(RL·C)), within 1e-3 (diode leakage ~10 nA and junction
    /// capacitance currents ~0.3 µA against 0.15 A of load). ngspice: v(p) over the whole run,
    /// i(ls) and i(vs) 0.2 ms away from the commutations (zero crossings of the line current, where
    /// it has a kink), inrush peak within 1 %.
    func testDiodeBridgeFilter() throws {
        let (deck, kelvin, reference) = try CellDecks.transient("diode_bridge_filter")
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
}
