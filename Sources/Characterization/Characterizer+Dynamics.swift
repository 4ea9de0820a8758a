import Foundation
import Netlist
import Simulator
import TransferCurves

/// How to measure a cell's dynamics: a transient run with a step on the first input.
///
/// Header fields on the `* characterize:` line: `tstop=10u` (enables the measurement),
/// optional `step=lo:hi` (the step's levels; default the first input's range) and
/// `supplies=VCC,VEE` (sources whose delivered energy is integrated).
public struct DynamicsSpec: Sendable, Equatable {
    /// Transient stop time, s.
    public var stop: Double
    /// Step levels (default: the first input's grid range).
    public var from: Double?
    public var to: Double?
    /// Lower-case supply source names.
    public var supplies: [String]

    public init(stop: Double, from: Double? = nil, to: Double? = nil, supplies: [String] = []) {
        self.stop = stop
        self.from = from
        self.to = to
        self.supplies = supplies.map { $0.lowercased() }
    }
}

extension Characterizer {
    /// Settling time and energy per operation from one `.tran` run.
    ///
    /// The first input steps from `a` to `b` by a ramp of `t_r = tstop/1000` starting at
    /// `t_d = tstop/10` (other inputs keep their DC values). With `y_0 = y(t_d)` and the final value
    /// `y_∞ = y(tstop)`, the settling time is `t_s − t_d`, where `t_s` is the last time
    /// `|y(t) − y_∞| > 0.001·|y_∞ − y_0|` (linearly interpolated between time points); the run must be
    /// long enough for the output to settle (the last tenth of the run must lie inside the band).
    /// Energy per operation: `E = Σ_s ∫_{t_d}^{tstop} −(V(n+) − V(n−))·I_s dt` over the supplies
    /// (trapezoidal rule on the accepted time points; `I_s` flows into `n+` through the source, so
    /// `−V·I` is the power the source delivers), i.e. static dissipation over the window included.
    ///
    /// With `fullScale` (the output range of the DC table), a step whose output swing is below 1 % of
    /// it is refused: the 0.1 % band would be set by numerical noise (e.g. −5 → 5 V on |x|).
    public func measureDynamics(_ spec: DynamicsSpec, fullScale: Double? = nil) throws -> Dynamics {
        guard spec.stop > 0, spec.stop.isFinite, let input = self.spec.inputs.first else {
            throw CharacterizationError.badSpec(origin: self.spec.netlistPath, reason: "tstop must be > 0")
        }
        let a = spec.from ?? input.lower, b = spec.to ?? input.upper
        let td = spec.stop / 10, tr = spec.stop / 1000
        var deck = self.deck
        guard let index = deck.elements.firstIndex(where: { $0.name == input.source }) else {
            throw CharacterizationError.badSpec(origin: self.spec.netlistPath, reason: "no source '\(input.source)'")
        }
        let step = Source(dc: a, waveform: .pwl(points: [(0, a), (td, a), (td + tr, b)], repeatFrom: nil, delay: 0))
        switch deck.elements[index].kind {
        case .voltageSource: deck.elements[index].kind = .voltageSource(step)
        case .currentSource: deck.elements[index].kind = .currentSource(step)
        default:
            throw CharacterizationError.badSpec(origin: self.spec.netlistPath, reason: "'\(input.source)' is not a source")
        }
        var supplyNodes: [(current: String, plus: String, minus: String)] = []
        for name in spec.supplies {
            guard let e = deck.elements.first(where: { $0.name == name }), case .voltageSource = e.kind else {
                throw CharacterizationError.badSpec(origin: self.spec.netlistPath, reason: "supply '\(name)' is not a V source")
            }
            supplyNodes.append(("i(\(name))", e.nodes[0], e.nodes[1]))
        }
        let maxStep = spec.stop / 2000
        deck.analyses = [
            Analysis(
                kind: .transient(step: maxStep, stop: spec.stop, start: 0, maxStep: maxStep, useInitialConditions: false),
                location: SourceLocation(file: self.spec.netlistPath, line: 1, column: 1))
        ]
        let result: SimulationResult
        do {
            guard let first = try Simulation(deck: deck).run().first else {
                throw CharacterizationError.simulationFailed(cell: self.spec.name, reason: "no transient result")
            }
            result = first
        } catch let error as SimulatorError {
            throw CharacterizationError.simulationFailed(cell: self.spec.name, reason: "\(error)")
        }
        guard let timeColumn = result.variables.firstIndex(of: "time"),
            let outColumn = result.variables.firstIndex(of: self.spec.output)
        else {
            throw CharacterizationError.unknownOutput(name: self.spec.output, available: result.variables)
        }
        func column(_ label: String) -> Int? { label == "v(0)" ? nil : result.variables.firstIndex(of: label) }
        let t = result.rows.map { $0[timeColumn] }
        let y = result.rows.map { $0[outColumn] }
        guard let yEnd = y.last, t.count >= 3 else {
            throw CharacterizationError.simulationFailed(cell: self.spec.name, reason: "transient gave too few points")
        }
        // y_0: the output just before the step.
        let k0 = t.lastIndex(where: { $0 <= td }) ?? 0
        let swing = abs(yEnd - y[k0])
        if let fullScale, swing < 0.01 * fullScale {
            throw CharacterizationError.badSpec(
                origin: self.spec.netlistPath,
                reason: "the step \(a) → \(b) moves the output by only \(swing) (full scale \(fullScale)); choose another step=lo:hi")
        }
        let band = 0.001 * swing
        var settle = td
        if let last = y.lastIndex(where: { abs($0 - yEnd) > band }), last + 1 < t.count {
            // Interpolate the band crossing between points `last` and `last + 1`.
            let e0 = abs(y[last] - yEnd), e1 = abs(y[last + 1] - yEnd)
            let f = e0 > e1 ? (e0 - band) / (e0 - e1) : 0
            settle = t[last] + f * (t[last + 1] - t[last])
        }
        if settle > spec.stop - spec.stop / 10 {
            throw CharacterizationError.simulationFailed(
                cell: self.spec.name, reason: "output not settled to 0.1 % by tstop = \(spec.stop) s; give a longer tstop")
        }
        var energy: Double?
        if !supplyNodes.isEmpty {
            var total = 0.0
            for supply in supplyNodes {
                guard let ic = column(supply.current) else { continue }
                let plus = column("v(\(supply.plus))"), minus = column("v(\(supply.minus))")
                func power(_ k: Int) -> Double {
                    let v = (plus.map { result.rows[k][$0] } ?? 0) - (minus.map { result.rows[k][$0] } ?? 0)
                    return -v * result.rows[k][ic]
                }
                for k in 1..<t.count where t[k] > td {
                    let lo = max(t[k - 1], td)
                    let pLo = t[k - 1] >= td ? power(k - 1) : power(k - 1) + (power(k) - power(k - 1)) * (td - t[k - 1]) / (t[k] - t[k - 1])
                    total += 0.5 * (pLo + power(k)) * (t[k] - lo)
                }
            }
            energy = total
        }
        return Dynamics(
            settlingTime: max(0, settle - td), energyPerOperation: energy, stepFrom: a, stepTo: b, supplies: spec.supplies)
    }
}
