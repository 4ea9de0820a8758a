import Foundation
import Netlist
import Simulator
import TransferCurves

/// How to measure a cell's dynamics: a transient run with a step on the first input.
///
/// Header fields on the `* characterize:` line: `tstop=10u` (enables the measurement),
/// optional `step=lo:hi` (the step's levels; default the first input's range),
/// `supplies=VCC,VEE` (sources whose delivered energy is integrated) and `optime=T` (the
/// duration of one operation in s, `T > 0`; default: the measured settling time).
public struct DynamicsSpec: Sendable, Equatable {
    /// Transient stop time, s.
    public var stop: Double
    /// Step levels (default: the first input's grid range).
    public var from: Double?
    public var to: Double?
    /// Lower-case supply source names.
    public var supplies: [String]
    /// Stated operation time `T_op`, s (nil: one operation lasts the settling time).
    public var operationTime: Double?

    public init(stop: Double, from: Double? = nil, to: Double? = nil, supplies: [String] = [], operationTime: Double? = nil) {
        self.stop = stop
        self.from = from
        self.to = to
        self.supplies = supplies.map { $0.lowercased() }
        self.operationTime = operationTime
    }
}

/// How to measure a held output's droop: a hold window in the netlist's own `.tran` schedule.
///
/// Header field `droop=t1:t2` (s): between `t1` and `t2` the cell holds its output (write switch
/// open) and it decays towards 0 V; `τ = (t2 − t1)/ln(y(t1)/y(t2))`.
public struct HoldSpec: Sendable, Equatable {
    /// `[t1, t2]`, s, with `0 ≤ t1 < t2 ≤` the netlist's `.tran` stop time.
    public var window: ClosedRange<Double>

    public init(window: ClosedRange<Double>) { self.window = window }
}

extension Characterizer {
    /// Settling time and energy per operation from one `.tran` run.
    ///
    /// The first input steps from `a` to `b` by a ramp of `t_r = tstop/1000` starting at
    /// `t_d = tstop/10` (other inputs keep their DC values). With `y_0 = y(t_d)` and the final value
    /// `y_∞ = y(tstop)`, the settling time is `t_s − t_d`, where `t_s` is the last time
    /// `|y(t) − y_∞| > 0.001·|y_∞ − y_0|` (linearly interpolated between time points); the run must be
    /// long enough for the output to settle (the last tenth of the run must lie inside the band).
    ///
    /// Energy of one operation, over the window `[t_d, t_d + T_op]` with `T_op` the stated
    /// `operationTime` or else the settling time `t_s − t_d`. The supplies deliver
    /// `P(t) = Σ_s −(V(n+) − V(n−))·I_s` (W; `I_s` flows into `n+` through the source). Then
    /// (trapezoidal rule on the accepted time points, interpolated at the window's ends):
    ///
    ///     P_q       = (1/t_d) ∫_0^{t_d} P dt                 quiescent power before the step, W
    ///     E_static  = P_q · T_op                              J
    ///     E_dynamic = ∫_{t_d}^{t_d+T_op} (P − P_q) dt         J
    ///     E_op      = E_static + E_dynamic                    J
    ///
    /// None of these depends on `tstop` beyond the ramp length `t_r` (a stated `T_op` must fit:
    /// `t_d + T_op ≤ tstop`).
    ///
    /// With `fullScale` (the output range of the DC table), a step whose output swing is below 1 % of
    /// it is refused: the 0.1 % band would be set by numerical noise (e.g. −5 → 5 V on |x|).
    public func measureDynamics(_ spec: DynamicsSpec, fullScale: Double? = nil) throws -> Dynamics {
        guard spec.stop > 0, spec.stop.isFinite, let input = self.spec.inputs.first else {
            throw CharacterizationError.badSpec(origin: self.spec.netlistPath, reason: "tstop must be > 0")
        }
        guard !input.parameter else {
            throw CharacterizationError.badSpec(
                origin: self.spec.netlistPath, reason: "the step of tstop= drives the first input, '\(input.source)', which is a .param, not a source")
        }
        let a = spec.from ?? input.lower, b = spec.to ?? input.upper
        let td = spec.stop / 10, tr = spec.stop / 1000
        if let op = spec.operationTime {
            guard op > 0, op.isFinite else {
                throw CharacterizationError.badSpec(origin: self.spec.netlistPath, reason: "optime must be > 0 s, got \(op)")
            }
            guard td + op <= spec.stop else {
                throw CharacterizationError.badSpec(
                    origin: self.spec.netlistPath,
                    reason: "optime \(op) s does not fit after the step at \(td) s; give tstop ≥ \(Self.format((td + op) / 0.9)) s")
            }
        }
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
        let (result, timeColumn, outColumn) = try runTransient(deck)
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
        let operationTime = spec.operationTime ?? max(0, settle - td)
        var energy: (quiescent: Double, staticPart: Double, dynamicPart: Double)?
        if !supplyNodes.isEmpty {
            var power = [Double](repeating: 0, count: t.count)
            for supply in supplyNodes {
                guard let ic = column(supply.current) else { continue }
                let plus = column("v(\(supply.plus))"), minus = column("v(\(supply.minus))")
                for k in t.indices {
                    let v = (plus.map { result.rows[k][$0] } ?? 0) - (minus.map { result.rows[k][$0] } ?? 0)
                    power[k] -= v * result.rows[k][ic]
                }
            }
            let quiescent = Self.integrate(t, power, from: 0, to: td) / td
            let total = Self.integrate(t, power, from: td, to: td + operationTime)
            energy = (quiescent, quiescent * operationTime, total - quiescent * operationTime)
        }
        return Dynamics(
            settlingTime: max(0, settle - td), operationTime: operationTime, operationTimeStated: spec.operationTime != nil,
            quiescentPower: energy?.quiescent, staticEnergy: energy?.staticPart, dynamicEnergy: energy?.dynamicPart,
            energyPerOperation: energy.map { $0.staticPart + $0.dynamicPart }, stepFrom: a, stepTo: b, supplies: spec.supplies)
    }

    /// `∫_lo^hi p dt` by the trapezoidal rule on the samples `(t_k, p_k)` (t increasing), with `p`
    /// interpolated linearly at `lo` and `hi`; `0` when `hi ≤ lo`.
    static func integrate(_ t: [Double], _ p: [Double], from lo: Double, to hi: Double) -> Double {
        guard hi > lo, t.count >= 2 else { return 0 }
        func at(_ x: Double, _ k: Int) -> Double {
            // p at x, for t[k-1] ≤ x ≤ t[k].
            let span = t[k] - t[k - 1]
            return span > 0 ? p[k - 1] + (p[k] - p[k - 1]) * (x - t[k - 1]) / span : p[k]
        }
        var sum = 0.0
        for k in 1..<t.count where t[k] > lo && t[k - 1] < hi {
            let a = max(t[k - 1], lo), b = min(t[k], hi)
            sum += 0.5 * (at(a, k) + at(b, k)) * (b - a)
        }
        return sum
    }

    static func format(_ v: Double) -> String { String(format: "%.4g", v) }

    /// The droop time constant of a held output over `spec.window` of the netlist's own `.tran`.
    ///
    /// Runs the netlist's transient as written (its sources' waveforms do the writing and
    /// holding), interpolates the output linearly at `t_1` and `t_2` and returns
    /// `τ = (t_2 − t_1)/ln(y(t_1)/y(t_2))` in s. The output must keep its sign and shrink in
    /// magnitude over the window (a decay towards 0 V).
    public func measureHold(_ spec: HoldSpec) throws -> Double {
        let origin = self.spec.netlistPath
        let directory = (origin as NSString).deletingLastPathComponent
        var deck = try NetlistParser.parse(
            text: self.spec.netlistText, fileName: origin, directory: directory.isEmpty ? "." : directory)
        guard let tran = deck.analyses.first(where: { if case .transient = $0.kind { true } else { false } }),
            case .transient(_, let stop, _, _, _) = tran.kind
        else {
            throw CharacterizationError.badSpec(origin: origin, reason: "droop= needs the netlist's own .tran analysis")
        }
        let (t1, t2) = (spec.window.lowerBound, spec.window.upperBound)
        guard t1 >= 0, t1 < t2, t2 <= stop else {
            throw CharacterizationError.badSpec(
                origin: origin, reason: "droop window \(t1):\(t2) s must satisfy 0 ≤ t1 < t2 ≤ tstop = \(stop) s")
        }
        deck.analyses = [tran]
        let (result, timeColumn, outColumn) = try runTransient(deck)
        let t = result.rows.map { $0[timeColumn] }, y = result.rows.map { $0[outColumn] }
        func value(at x: Double) -> Double? {
            guard let k = t.firstIndex(where: { $0 >= x }) else { return nil }
            if k == 0 || t[k] == x { return y[k] }
            return y[k - 1] + (y[k] - y[k - 1]) * (x - t[k - 1]) / (t[k] - t[k - 1])
        }
        guard let y1 = value(at: t1), let y2 = value(at: t2), y1 * y2 > 0, abs(y2) < abs(y1) else {
            throw CharacterizationError.simulationFailed(
                cell: self.spec.name, reason: "the output does not decay towards 0 V over the droop window \(t1):\(t2) s")
        }
        return (t2 - t1) / log(y1 / y2)
    }
}

extension Characterizer {
    /// Runs `deck`'s one transient analysis; returns the result with its time and output columns.
    func runTransient(_ deck: Deck) throws -> (result: SimulationResult, time: Int, output: Int) {
        let result: SimulationResult
        do {
            guard let first = try Simulation(deck: deck).run().first else {
                throw CharacterizationError.simulationFailed(cell: spec.name, reason: "no transient result")
            }
            result = first
        } catch let error as SimulatorError {
            throw CharacterizationError.simulationFailed(cell: spec.name, reason: "\(error)")
        }
        guard let time = result.variables.firstIndex(of: "time"), let output = result.variables.firstIndex(of: spec.output) else {
            throw CharacterizationError.unknownOutput(name: spec.output, available: result.variables)
        }
        return (result, time, output)
    }
}
