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
    /// The linear solver, chosen by `SolverChoice` from the size (or `.options solver=klu|dense`).
    var solver: any PatternSolver
    var buffer: LoadBuffer
    /// Jacobian values handed to the solver, one per pattern slot; `solveLinearSystem()` consumes
    /// them (afterwards they hold an earlier Jacobian).
    var values: [Double]
    /// Right-hand side `B − F(x)`; the Newton update after `solveLinearSystem()`.
    var rhs: [Double]
    /// The values of the matrix the solver holds factored (valid when `hasFactorization`): an
    /// unchanged matrix (linear circuits, every point of a sweep) is not factored again.
    private var factoredValues: [Double]
    private var hasFactorization = false
    /// The iterate buffers of `iterate`, kept between runs so that a run allocates only the
    /// arrays of the state it returns (a sweep point copied 16–24 kB arrays ~6 times).
    private var workspace: (x: [Double], xNew: [Double], previousState: [Double])
    /// The linear devices' constant stamps, applied without loading them.
    let linearPart: LinearPart
    /// Newton iterations done so far by this solver (all runs).
    private(set) var iterations = 0
    /// Factorisations done and skipped because the matrix was unchanged (all runs).
    private(set) var factorizations = 0
    private(set) var reusedFactorizations = 0
    /// Linear solvers set up (pattern and symbolic analysis) by this Newton solver: one, at `init`.
    private(set) var solverSetUps = 0
    /// Set by a transient analysis: source time and the integration terms `α·dQ/dx`, `α·Q + history`.
    var transient: TransientTerms?

    init(circuit: Circuit, options: Options) throws {
        try self.init(circuit: circuit, options: options, choice: Self.solverChoice(options))
    }

    init(circuit: Circuit, options: Options, choice: SolverChoice) throws {
        self.circuit = circuit
        self.tolerances = Tolerances(reltol: options.reltol, vntol: options.vntol, abstol: options.abstol)
        self.gmin = options.gmin
        self.solver = try choice.makeSolver(dimension: circuit.dimension, pattern: circuit.pattern)
        self.solverSetUps = 1
        self.buffer = LoadBuffer(dimension: circuit.dimension, slots: circuit.pattern.count, states: circuit.stateCount)
        self.values = Array(repeating: 0, count: circuit.pattern.count)
        self.factoredValues = values
        self.rhs = Array(repeating: 0, count: circuit.dimension)
        self.linearPart = LinearPart(circuit: circuit)
        self.workspace = (rhs, rhs, Array(repeating: 0, count: circuit.stateCount))
    }

    /// The solver a deck asks for with `.options solver=klu|sparse|dense|auto` (automatic otherwise).
    static func solverChoice(_ options: Options) -> SolverChoice {
        options.text["solver"].flatMap(SolverChoice.init(option:)) ?? .automatic
    }

    /// Largest relative change of any matrix entry for which the last factorisation is reused.
    ///
    /// A Jacobian off by 1e-9 relative only perturbs the Newton step by about as much (the residual
    /// `B − F(x)` is always exact, so the converged solution is unchanged); it lets a sweep reuse one
    /// factorisation while, e.g., reverse-biased junctions change their conductance in the last bits
    /// (32×32 crossbar: 205 → 5 factorisations for 410 iterations).
    static let reuseTolerance = 1e-9

    /// Solves `J·Δx = rhs` in place with `J` given by `values`, factoring only when an entry of
    /// `values` differs from the matrix factored last by more than `reuseTolerance` (relative).
    mutating func solveLinearSystem() throws(NewtonFailure) {
        do {
            if !hasFactorization || !Self.close(values, factoredValues) {
                hasFactorization = false
                try solver.load(values: values)
                try solver.factor()
                // `values` is consumed: the next load replaces it (a swap instead of a copy).
                swap(&values, &factoredValues)
                hasFactorization = true
                factorizations += 1
            } else {
                reusedFactorizations += 1
            }
            try solver.solve(&rhs)
        } catch LinearAlgebraError.singular(let column) {
            throw .singular(column: column)
        } catch {
            throw .singular(column: 0)
        }
    }

    /// Whether every `a[k]` is within `reuseTolerance·|b[k]|` of `b[k]` (NaN never is); no allocation.
    private static func close(_ a: [Double], _ b: [Double]) -> Bool {
        guard a.count == b.count else { return false }
        for k in a.indices where !(abs(a[k] - b[k]) <= reuseTolerance * abs(b[k])) { return false }
        return true
    }

    /// Copies `source` into the same-sized `target` (keeps `target`'s storage).
    @inline(__always) static func copy(_ source: [Double], into target: inout [Double]) {
        target.withUnsafeMutableBufferPointer { t in source.withUnsafeBufferPointer { _ = t.update(fromContentsOf: $0) } }
    }

    /// Makes `target` equal to `source`, in `target`'s storage when the sizes match.
    @inline(__always) static func assign(_ source: [Double], to target: inout [Double]) {
        if source.count == target.count { copy(source, into: &target) } else { target = source }
    }

    /// `target[i] = a[i] − b[i]` for the same-sized `a`, `b` and `target`.
    @inline(__always) static func difference(_ a: [Double], _ b: [Double], into target: inout [Double]) {
        target.withUnsafeMutableBufferPointer { t in
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    for i in t.indices { t[i] = a[i] - b[i] }
                }
            }
        }
    }

    /// What one Newton update `x_new = x + Δx` leaves: whether every unknown passed SPICE's
    /// `|Δx| ≤ reltol·max(|x_new|, |x|) + (abstol for a branch current, vntol otherwise)`, whether
    /// all are finite, and the node with the largest `|Δx|` (for messages).
    struct Update {
        var converged: Bool
        var finite = true
        var worst = 0
        var worstUpdate = -1.0
    }

    /// Writes `x + delta` into `xNew` and checks it (see `Update`); with `check` false the
    /// tolerance test is skipped and `converged` is false.
    static func update(
        x: [Double], delta: [Double], into xNew: inout [Double], kinds: [UnknownKind], tolerances: Tolerances,
        check: Bool
    ) -> Update {
        var result = Update(converged: check)
        xNew.withUnsafeMutableBufferPointer { xNew in
            x.withUnsafeBufferPointer { x in
                delta.withUnsafeBufferPointer { delta in
                    kinds.withUnsafeBufferPointer { kinds in
                        for i in xNew.indices {
                            let d = delta[i]
                            let new = x[i] + d
                            xNew[i] = new
                            if !new.isFinite { result.finite = false }
                            let isBranch = kinds[i] == .branch
                            if result.converged {
                                let tol = tolerances.reltol * max(abs(new), abs(x[i]))
                                    + (isBranch ? tolerances.abstol : tolerances.vntol)
                                if !(abs(d) <= tol) { result.converged = false }
                            }
                            if !isBranch && abs(d) > result.worstUpdate {
                                result.worstUpdate = abs(d)
                                result.worst = i
                            }
                        }
                    }
                }
            }
        }
        return result
    }

    /// Conductance (S) that holds a `.nodeset` node at its value.
    static let nodeSetConductance = 1e10

    /// Sets the DC value of the sweepable source `devices[index]` (V or A). Sources are affine,
    /// loaded from `circuit.devices`, never from the snapshot in `linearPart.loadedRuns`.
    mutating func setSource(_ index: Int, to value: Double) {
        circuit.devices[index].setDCValue(value)
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
    ///   - predictedState: device state the first load linearises junctions at (`LoadContext.predictedState`).
    /// - Returns: the converged state and the iterations this run took.
    mutating func iterate(
        from start: NewtonState, limit: Int, initJunction: Bool, sourceFactor: Double = 1, diagGmin: Double = 0,
        predictedState: [Double] = []
    ) throws(NewtonFailure) -> (NewtonState, Int) {
        // Two iterate buffers swapped each iteration and one state copy, all from `workspace`
        // (given back on every exit): no allocation per iteration, nor per run but the result's.
        var (x, xNew, previousState) = workspace
        workspace = ([], [], [])
        defer { workspace = (x, xNew, previousState) }
        Self.assign(start.x, to: &x)
        if xNew.count != x.count { xNew = x }
        Self.assign(start.state, to: &previousState)
        var initJ = initJunction
        var count = 0
        let n = circuit.dimension
        let clampIterations = initJunction && !circuit.nodeSets.isEmpty ? 2 : 0
        while true {
            buffer.reset(charges: transient != nil)
            do {
                var context = LoadContext(
                    x: x, previousState: previousState, sourceFactor: sourceFactor, gmin: gmin, initJunction: initJ)
                if count == 0 { context.predictedState = predictedState }
                if let transient {
                    context.time = transient.time
                    context.waveforms = true
                } else {
                    context.charges = false
                }
                // Linear devices and the `G` of sources are stamped in one pass by `linearPart`;
                // sources add their `B`, the rest load as typed runs (no existential per device).
                let devices = circuit.devices
                for k in linearPart.sourceDevices { devices[k].loadSource(context, into: &buffer) }
                for run in linearPart.loadedRuns { run.load(context, &buffer) }
                linearPart.apply(x: x, to: &buffer, charges: context.charges)
            }
            count += 1
            iterations += 1

            // The loaded Jacobian becomes `values` (the old `values` storage is zeroed by the next reset).
            swap(&values, &buffer.jacobianF)
            Self.difference(buffer.b, buffer.f, into: &rhs)
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
            try solveLinearSystem()

            // rhs now holds Δx.
            let update = Self.update(
                x: x, delta: rhs, into: &xNew, kinds: circuit.unknownKinds, tolerances: tolerances,
                check: !initJ && !clamped && count > 1 && buffer.limited == 0)
            var converged = update.converged
            let (finite, worst, worstUpdate) = (update.finite, update.worst, update.worstUpdate)
            if !finite { throw .iterationLimit(unknown: worst, update: .infinity) }
            // An affine circuit (only linear devices and independent sources) is solved exactly by
            // one Newton step: skip the confirming iteration (half the work of a linear transient).
            // Its charges are then those at the new point, recomputed from the linear part.
            if linearPart.isAffine && !initJ && !clamped && !converged {
                converged = true
                let part = linearPart
                buffer.replaceCharges { part.charges(at: xNew, into: &$0) }
            }
            if converged {
                let state = buffer.state
                for run in linearPart.loadedRuns where !run.isConverged(xNew, state, tolerances) {
                    converged = false
                    break
                }
            }
            if converged {
                #if KELVIN_INVARIANTS
                checkKCL(at: xNew, state: buffer.state, earlierState: previousState, sourceFactor: sourceFactor,
                         diagGmin: diagGmin)
                #endif
                // The result owns a copy of `xNew`, which stays in the workspace.
                return (NewtonState(x: xNew.withUnsafeBufferPointer(Array.init), state: buffer.state, charges: buffer.q),
                        count)
            }
            if count >= limit { throw .iterationLimit(unknown: worst, update: worstUpdate) }
            swap(&x, &xNew)
            Self.copy(buffer.state, into: &previousState)
            initJ = false
        }
    }

    #if KELVIN_INVARIANTS
    /// Invariant check (build with `-Xswiftc -DKELVIN_INVARIANTS`): at a converged point the KCL and
    /// branch residual `B − F(x) − (α·Q(x) + h)` (the charge term only at a transient time point,
    /// see `TransientTerms`) must be below 1 % of the largest contribution to its row. The row's
    /// totals stand in for that first; a row that fails against them (its terms cancel, as a
    /// forward-biased junction's 1e11 A against the source that drives it) is measured again
    /// against each device's own contribution, plus what Newton's tolerances on `Δx` allow.
    ///
    /// The devices load at `x` from `state`, the state of the load that led to `x`. A row that fails
    /// is loaded once more from `earlierState`, the state that load itself started from, as Newton
    /// did: a switch that chattered was held in its state by that load (`VoltageSwitch.chatterLimit`),
    /// and from `state` it would flip again.
    private func checkKCL(at x: [Double], state: [Double], earlierState: [Double], sourceFactor: Double, diagGmin: Double) {
        let n = circuit.dimension
        func load(_ devices: some Sequence<any Device>, from state: [Double] = state) -> LoadBuffer {
            var buffer = LoadBuffer(dimension: n, slots: circuit.pattern.count, states: circuit.stateCount)
            var context = LoadContext(x: x, previousState: state, sourceFactor: sourceFactor, gmin: gmin)
            if let transient {
                context.time = transient.time
                context.waveforms = true
            } else {
                context.charges = false
            }
            for device in devices { device.load(context, into: &buffer) }
            return buffer
        }
        let alpha = transient?.alpha ?? 0, history = transient?.history ?? []
        func residual(_ probe: LoadBuffer, _ i: Int) -> (residual: Double, scale: Double) {
            let charge = alpha * probe.q[i] + (history.isEmpty ? 0 : history[i])
            var residual = probe.b[i] - probe.f[i] - charge
            if circuit.unknownKinds[i] != .branch { residual -= diagGmin * x[i] }
            return (residual, max(abs(probe.b[i]), abs(probe.f[i]), abs(charge), 1e-9))
        }
        let probe = load(circuit.devices)
        var failing: [(row: Int, residual: Double, scale: Double)] = []
        for i in 0..<n {
            let (r, scale) = residual(probe, i)
            if abs(r) > 1e-2 * scale + 1e-6 { failing.append((i, r, scale)) }
        }
        guard !failing.isEmpty else { return }
        let replay = load(circuit.devices, from: earlierState)
        failing.removeAll { row in
            let (r, scale) = residual(replay, row.row)
            return abs(r) <= 1e-2 * scale + 1e-6
        }
        guard !failing.isEmpty else { return }
        // Newton accepts |Δx_j| ≤ reltol·|x_j| + tol_j, which leaves row i up to Σ_j |J_ij|·that
        // (a gain-1e4 behavioural source turns a 1e-10 V step into a 1e-6 V branch residual).
        var slack = [Double](repeating: 0, count: n)
        for (k, entry) in circuit.pattern.enumerated() {
            let j = entry.column
            let tol = tolerances.reltol * abs(x[j]) + (circuit.unknownKinds[j] == .branch ? tolerances.abstol : tolerances.vntol)
            slack[entry.row] += abs(probe.jacobianF[k] + alpha * probe.jacobianQ[k]) * tol
        }
        for device in circuit.devices {
            let single = load(CollectionOfOne(device))
            for k in failing.indices {
                let i = failing[k].row
                failing[k].scale = max(failing[k].scale, abs(single.b[i]), abs(single.f[i]), abs(alpha * single.q[i]))
            }
        }
        for (i, residual, scale) in failing {
            assert(abs(residual) <= 1e-2 * scale + slack[i] + 1e-6,
                   "KCL residual \(residual) at \(circuit.label(i)) (largest term \(scale), Newton's tolerance \(slack[i])), time \(transient?.time ?? 0)")
        }
    }
    #endif
}
