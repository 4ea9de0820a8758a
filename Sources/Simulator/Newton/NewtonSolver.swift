import Foundation
import LinearAlgebra
import Netlist

/// A Newton iterate together with the device state its last load left.
struct NewtonState: Sendable {
    var x: [Double]
    var state: [Double]
    /// `Q` per row from the load that produced this state (C or Wb); empty until a solve fills it.
    var charges: [Double] = []
}

/// Why a Newton run stopped without converging.
enum NewtonFailure: Error, Sendable {
    /// The iteration limit was reached; `unknown` had the largest last update.
    case iterationLimit(unknown: Int, update: Double)
    /// The Jacobian had a zero pivot in this column.
    case singular(column: Int)
}

/// Damped-by-limiting Newton–Raphson on `F(x) = B` (DC: `Q` ignored), shared by all analyses.
///
/// Each iteration loads every device at `x`, solves `J·Δx = B − F(x)` and sets `x ← x + Δx`.
/// Convergence as SPICE's `NIconvTest`: no device limited its voltages, every unknown satisfies
/// `|Δx| ≤ reltol·max(|x_new|, |x_old|) + tol` (tol = vntol for node voltages, abstol for branch
/// currents) and every device accepts its currents (`Device.isConverged`). The first iteration
/// never counts as converged.
struct NewtonSolver: Sendable {
    private(set) var circuit: Circuit
    let tolerances: Tolerances
    /// SPICE `gmin` (S) handed to junctions.
    let gmin: Double
    /// The linear solver (dense LU by default; any `PatternSolver`, e.g. a sparse one, plugs in).
    private var solver: any PatternSolver
    private var buffer: LoadBuffer
    private var values: [Double]
    private var rhs: [Double]
    /// Newton iterations done so far by this solver (all runs).
    private(set) var iterations = 0
    /// Set by a transient analysis: source time and the integration terms `α·dQ/dx`, `α·Q + history`.
    var transient: TransientTerms?

    init(circuit: Circuit, options: Options, solver solverType: any PatternSolver.Type = DenseLU.self) throws {
        self.circuit = circuit
        self.tolerances = Tolerances(reltol: options.reltol, vntol: options.vntol, abstol: options.abstol)
        self.gmin = options.gmin
        self.solver = try solverType.init(dimension: circuit.dimension, pattern: circuit.pattern)
        self.buffer = LoadBuffer(dimension: circuit.dimension, slots: circuit.pattern.count, states: circuit.stateCount)
        self.values = Array(repeating: 0, count: circuit.pattern.count)
        self.rhs = Array(repeating: 0, count: circuit.dimension)
    }

    /// Conductance (S) that holds a `.nodeset` node at its value.
    static let nodeSetConductance = 1e10

    /// Sets the DC value of the sweepable source `devices[index]` (V or A).
    mutating func setSource(_ index: Int, to value: Double) {
        if var source = circuit.devices[index] as? any SweepableSource {
            source.dcValue = value
            circuit.devices[index] = source
        }
    }

    /// The all-zero starting point.
    var zeroState: NewtonState {
        NewtonState(x: Array(repeating: 0, count: circuit.dimension), state: Array(repeating: 0, count: circuit.stateCount))
    }

    /// Runs Newton from `start` for at most `limit` iterations.
    ///
    /// - Parameters:
    ///   - initJunction: the first load puts junctions at their critical voltage (SPICE MODEINITJCT),
    ///     and `.nodeset` nodes are held at their values for the first two iterations.
    ///   - sourceFactor: scale of all independent sources (source stepping).
    ///   - diagGmin: conductance (S) from every node to ground (gmin stepping).
    /// - Returns: the converged state and the iterations this run took.
    mutating func iterate(
        from start: NewtonState, limit: Int, initJunction: Bool, sourceFactor: Double = 1, diagGmin: Double = 0
    ) throws(NewtonFailure) -> (NewtonState, Int) {
        var x = start.x
        var previousState = start.state
        var initJ = initJunction
        var count = 0
        let n = circuit.dimension
        let clampIterations = initJunction && !circuit.nodeSets.isEmpty ? 2 : 0
        while true {
            buffer.reset()
            var context = LoadContext(
                x: x, previousState: previousState, sourceFactor: sourceFactor, gmin: gmin, initJunction: initJ)
            if let transient {
                context.time = transient.time
                context.waveforms = true
            }
            for device in circuit.devices { device.load(context, into: &buffer) }
            count += 1
            iterations += 1

            for k in values.indices { values[k] = buffer.jacobianF[k] }
            for i in 0..<n { rhs[i] = buffer.b[i] - buffer.f[i] }
            transient?.apply(buffer, values: &values, rhs: &rhs)
            if diagGmin > 0 {
                for k in 0..<n where circuit.unknownKinds[k] != .branch {
                    values[circuit.diagonals[k].index] += diagGmin
                    rhs[k] -= diagGmin * x[k]
                }
            }
            let clamped = count <= clampIterations
            if clamped {
                for (k, value) in circuit.nodeSets {
                    values[circuit.diagonals[k].index] += Self.nodeSetConductance
                    rhs[k] -= Self.nodeSetConductance * (x[k] - value)
                }
            }
            do {
                try solver.load(values: values)
                try solver.factor()
                try solver.solve(&rhs)
            } catch LinearAlgebraError.singular(let column) {
                throw .singular(column: column)
            } catch {
                throw .singular(column: 0)
            }

            // rhs now holds Δx.
            var converged = !initJ && !clamped && count > 1 && buffer.limited == 0
            var worst = 0
            var worstUpdate = -1.0
            var finite = true
            var xNew = x
            for i in 0..<n {
                let delta = rhs[i]
                let new = x[i] + delta
                xNew[i] = new
                if !new.isFinite { finite = false }
                let isBranch = circuit.unknownKinds[i] == .branch
                if converged {
                    let tol = tolerances.reltol * max(abs(new), abs(x[i])) + (isBranch ? tolerances.abstol : tolerances.vntol)
                    if !(abs(delta) <= tol) { converged = false }
                }
                if !isBranch && abs(delta) > worstUpdate {
                    worstUpdate = abs(delta)
                    worst = i
                }
            }
            if !finite { throw .iterationLimit(unknown: worst, update: .infinity) }
            if converged {
                for device in circuit.devices
                where !device.isConverged(x: xNew, state: buffer.state, tolerances: tolerances) {
                    converged = false
                    break
                }
            }
            if converged {
                #if KELVIN_INVARIANTS
                checkKCL(at: xNew, state: buffer.state, sourceFactor: sourceFactor, diagGmin: diagGmin)
                #endif
                return (NewtonState(x: xNew, state: buffer.state, charges: buffer.q), count)
            }
            if count >= limit { throw .iterationLimit(unknown: worst, update: worstUpdate) }
            x = xNew
            previousState = buffer.state
            initJ = false
        }
    }

    #if KELVIN_INVARIANTS
    /// Invariant check (build with `-Xswiftc -DKELVIN_INVARIANTS`): at a converged point the KCL and
    /// branch residual `B − F(x)` must be small against the largest contribution in its row.
    private func checkKCL(at x: [Double], state: [Double], sourceFactor: Double, diagGmin: Double) {
        var probe = LoadBuffer(dimension: circuit.dimension, slots: circuit.pattern.count, states: circuit.stateCount)
        let context = LoadContext(x: x, previousState: state, sourceFactor: sourceFactor, gmin: gmin)
        for device in circuit.devices { device.load(context, into: &probe) }
        for i in 0..<circuit.dimension {
            var residual = probe.b[i] - probe.f[i]
            if circuit.unknownKinds[i] != .branch { residual -= diagGmin * x[i] }
            let scale = max(abs(probe.b[i]), abs(probe.f[i]), 1e-9)
            assert(abs(residual) <= 1e-2 * scale + 1e-6, "KCL residual \(residual) at \(circuit.label(i))")
        }
    }
    #endif
}
