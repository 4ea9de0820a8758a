import Foundation
import Netlist

/// `.dc SRC start stop step [SRC2 start stop step]`: DC transfer curves. The first source is the
/// inner sweep. The first point is a full operating point; every later point starts from the previous
/// solution with at most `itl2` plain Newton iterations and falls back to a full operating point
/// (gmin and source stepping) when those fail, as ngspice's `DCtrCurv` does. From the third point
/// of each inner sweep on, the first iteration linearises junctions at voltages extrapolated from
/// the two previous points (ngspice's `MODEINITPRED`, see `NewtonSolver.nextOperatingPoint`).
enum DCSweep {
    /// The swept values `start`, `start + step`, ... , `⌊(stop − start)/step⌋` steps (with a small
    /// tolerance), each the previous plus `step` in floating point as ngspice's `DCtrCurv` adds them:
    /// the sweep from -1 by 0.05 passes 0 as 3.19e-16, and a `.meas dc ... to=1` sees the same points.
    static func values(_ spec: SweepSpec, analysis: String) throws -> [Double] {
        let span = spec.stop - spec.start
        guard spec.start.isFinite, spec.stop.isFinite, spec.step.isFinite else {
            throw SimulatorError.invalidSweep(analysis: analysis, source: spec.source, reason: "values are not finite")
        }
        if spec.step == 0 {
            guard span == 0 else {
                throw SimulatorError.invalidSweep(analysis: analysis, source: spec.source, reason: "zero step")
            }
            return [spec.start]
        }
        guard span == 0 || (span > 0) == (spec.step > 0) else {
            throw SimulatorError.invalidSweep(
                analysis: analysis, source: spec.source,
                reason: "step \(format(spec.step)) does not lead from \(format(spec.start)) to \(format(spec.stop))")
        }
        let intervals = (span / spec.step * (1 + 1e-12) + 1e-9).rounded(.down)
        guard intervals < 10_000_000 else {
            throw SimulatorError.invalidSweep(analysis: analysis, source: spec.source, reason: "more than 10^7 points")
        }
        var values = [spec.start]
        values.reserveCapacity(Int(intervals) + 1)
        var value = spec.start
        for _ in 0..<Int(intervals) {
            value += spec.step
            values.append(value)
        }
        return values
    }

    /// What one `.dc` sweep steps: an independent source (index in `circuit.devices`) or the
    /// circuit temperature (`.dc TEMP ...`).
    enum Swept {
        case source(Int)
        case temperature
    }

    /// Runs the sweep. A temperature sweep (`TEMP`, as either sweep) rebuilds the circuit from
    /// `deck.at(temperature:)` whenever the temperature changes, so every device's
    /// temperature-dependent parameters are re-evaluated at that point as ngspice's `CKTtemp`
    /// does; the Newton start is still the previous point's solution (same unknowns).
    static func run(circuit: Circuit, deck: Deck, specs: [SweepSpec], options: Options, name: String, title: String) throws
        -> SimulationResult
    {
        guard !specs.isEmpty else {
            throw SimulatorError.invalidSweep(analysis: name, source: "", reason: "no source given")
        }
        var sweeps: [(swept: Swept, values: [Double], source: String)] = []
        for spec in specs {
            let swept: Swept
            if spec.source == Deck.temperatureSweep {
                swept = .temperature
            } else if let index = circuit.sources[spec.source] {
                swept = .source(index)
            } else {
                throw SimulatorError.unknownSweepSource(analysis: name, source: spec.source)
            }
            sweeps.append((swept, try values(spec, analysis: name), spec.source))
        }
        // `circuit.sources` holds only V and I sources (a concrete type test, not a protocol cast).
        let scale: String
        switch sweeps[0].swept {
        case .temperature: scale = "temp-sweep"
        case .source(let index): scale = circuit.devices[index] is CurrentSource ? "i-sweep" : "v-sweep"
        }

        // Points in row order, inner sweep fastest; each lists values outermost first.
        var points: [[Double]] = [[]]
        for sweep in sweeps.reversed() {
            points = points.flatMap { prefix in sweep.values.map { prefix + [$0] } }
        }
        let settings = ContinuationSettings(options: options)
        var rows: [[Double]] = []
        rows.reserveCapacity(points.count)
        var newton = try NewtonSolver(circuit: circuit, options: options)
        var iterations = 0
        var temperature: Double?
        var previous: NewtonState?
        // The point before `previous` in the same inner sweep (nil at its start: ngspice starts each
        // inner sweep afresh, and its first step predicts no change), and the prediction made from
        // the two. Only diodes read a prediction (BJTs and MOSFETs start from the iterate, as before),
        // so a circuit without one skips it.
        var older: NewtonState?
        var predicted: [Double] = []
        let predicts = circuit.devices.contains { $0 is Diode }
        for (index, point) in points.enumerated() {
            let values = Array(point.reversed())
            if index % sweeps[0].values.count == 0 { older = nil }
            for (k, sweep) in sweeps.enumerated() {
                guard case .temperature = sweep.swept, values[k] != temperature else { continue }
                iterations += newton.iterations
                let hot = try deck.at(temperature: values[k])
                newton = try NewtonSolver(circuit: try Circuit(deck: hot), options: hot.options)
                temperature = values[k]
            }
            for (k, sweep) in sweeps.enumerated() {
                if case .source(let index) = sweep.swept { newton.setSource(index, to: values[k]) }
            }
            // The point's name, for error messages only: built when needed (formatting it for every
            // point cost 13 % of a 1681-point BJT sweep).
            func label() -> String {
                "\(name) at " + zip(sweeps, values).map { "\($0.source) = \(format($1))" }.joined(separator: ", ")
            }
            var prediction: [Double] = []
            if predicts, let previous, let older, previous.state.count == older.state.count {
                NewtonSolver.extrapolate(previous.state, older.state, into: &predicted)
                prediction = predicted
            }
            let solution = try newton.nextOperatingPoint(
                after: previous, predictedState: prediction, settings: settings, point: label, analysis: name)
            prediction = []  // `predicted` is again the only reference: reused without a copy
            older = previous
            previous = solution
            rows.append(circuit.outputRow(scale: values[0], solution.x))
        }
        return SimulationResult(
            name: name, plotName: "DC transfer characteristic", title: title,
            variables: [scale] + circuit.outputLabels, rows: rows, newtonIterations: iterations + newton.iterations)
    }
}
