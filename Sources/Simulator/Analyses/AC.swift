import Foundation
import LinearAlgebra
import Netlist

/// `.ac dec|oct|lin N fstart fstop`: small-signal frequency response around the DC operating point.
///
/// The circuit `F(x) + dQ(x)/dt = B` is linearised at the operating point `x₀`:
/// `(G + jω·C)·X = B_ac` with `G = ∂F/∂x(x₀)` (S), `C = ∂Q/∂x(x₀)` (F), `ω = 2πf` (rad/s). `B_ac` holds
/// the `AC mag phase` values of the independent sources (`mag·e^{j·phase·π/180}`, V or A). The complex
/// system is factored per frequency with LAPACK `zgetrf`/`zgetrs`. Frequencies as ngspice: `dec`
/// and `oct` multiply by `10^(1/N)` or `2^(1/N)` from `fstart` while `f ≤ fstop` (within
/// `reltol·step`); `lin` takes N points from `fstart` to `fstop`. Columns: `frequency`, then
/// `vr(node)`, `vi(node)` for every node and `ir(v)`, `ii(v)` for V sources and inductors.
enum ACAnalysis {
    /// The analysis frequencies (Hz).
    static func frequencies(variation: ACVariation, points: Int, start: Double, stop: Double, reltol: Double,
                            analysis: String) throws -> [Double] {
        guard points >= 1, start.isFinite, stop.isFinite, start > 0 || (variation == .linear && start >= 0), stop >= start
        else {
            throw SimulatorError.invalidSweep(
                analysis: analysis, source: "frequency",
                reason: "need N ≥ 1 and 0 < fstart ≤ fstop (got N = \(points), \(format(start)) to \(format(stop)))")
        }
        var result: [Double] = []
        switch variation {
        case .decade, .octave:
            let base = variation == .decade ? 10.0 : 2.0
            let delta = exp(log(base) / Double(points))
            let tolerance = delta * stop * reltol
            var f = start
            while f <= stop + tolerance, result.count < 10_000_000 {
                result.append(f)
                f *= delta
            }
        case .linear:
            if points == 1 || stop == start { return [start] }
            let delta = (stop - start) / Double(points - 1)
            for k in 0..<points { result.append(start + Double(k) * delta) }
        }
        return result
    }

    static func run(circuit: Circuit, variation: ACVariation, points: Int, start: Double, stop: Double,
                    options: Options, name: String, title: String) throws -> SimulationResult {
        let freqs = try frequencies(variation: variation, points: points, start: start, stop: stop,
                                    reltol: options.reltol, analysis: name)
        let system = try SmallSignalSystem(circuit: circuit, options: options, name: name)
        let n = circuit.dimension
        var excitation = [ComplexDouble](repeating: ComplexDouble(0), count: n)
        func add(_ k: Int, _ value: ComplexDouble) {
            guard k != groundIndex else { return }
            excitation[k].re += value.re
            excitation[k].im += value.im
        }
        for device in circuit.devices {
            if let v = device as? VoltageSource {
                add(v.branch, v.source.acPhasor)
            } else if let i = device as? CurrentSource {
                let p = i.source.acPhasor
                add(i.a, ComplexDouble(-p.re, -p.im))
                add(i.b, p)
            }
        }

        var lu = ComplexDenseLU(dimension: n)
        var rows: [[Double]] = []
        rows.reserveCapacity(freqs.count)
        for f in freqs {
            try system.factor(omega: 2 * Double.pi * f, into: &lu, analysis: "\(name) at f = \(format(f)) Hz")
            var x = excitation
            try lu.solve(&x)
            var row = [f]
            row.reserveCapacity(1 + 2 * circuit.outputUnknowns.count)
            for k in circuit.outputUnknowns {
                row.append(x[k].re)
                row.append(x[k].im)
            }
            rows.append(row)
        }
        return SimulationResult(
            name: name, plotName: "AC Analysis", title: title, variables: ["frequency"] + complexLabels(circuit),
            rows: rows, newtonIterations: system.iterations)
    }

    /// `vr(node)`, `vi(node)` / `ir(v)`, `ii(v)` for every reported unknown.
    static func complexLabels(_ circuit: Circuit) -> [String] {
        circuit.outputUnknowns.flatMap { k -> [String] in
            let name = circuit.unknownNames[k]
            return circuit.unknownKinds[k] == .branch ? ["ir(\(name))", "ii(\(name))"] : ["vr(\(name))", "vi(\(name))"]
        }
    }
}

/// A device with small-signal capacitances that are not derivatives of its charge `Q` (the Meyer
/// gate model of the MOSFET); the AC analysis adds them to `C = dQ/dx`.
protocol SmallSignalCapacitance {
    /// Adds capacitances (F) into the `dQ/dx` slot values, at the device state of the last load.
    func addSmallSignalCapacitance(state: [Double], into jacobianQ: inout [Double])
}

/// A device with a frequency-dependent small-signal admittance beyond `G + jωC` (the BJT's excess
/// phase); the AC analysis lets it add complex entries at each frequency.
protocol SmallSignalAdmittance {
    /// Adds its admittance (S) at `omega` (rad/s) to the complex matrix, at the state of the last load.
    func addSmallSignalAdmittance(omega: Double, state: [Double], into matrix: inout ComplexDenseLU)
}

extension Source {
    /// The AC small-signal phasor `mag·e^{j·phase·π/180}` (V or A).
    var acPhasor: ComplexDouble {
        let phase = acPhase * Double.pi / 180
        return ComplexDouble(acMagnitude * cos(phase), acMagnitude * sin(phase))
    }
}
