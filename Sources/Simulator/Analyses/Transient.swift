import Netlist

/// `.tran TSTEP TSTOP [TSTART [TMAX]] [UIC]`: time-domain solution of `F(x) + dQ(x)/dt = B(t)`.
///
/// The run starts from the operating point with every source at its time-zero waveform value
/// (`.ic` nodes held there through 1e10 S), or with `UIC` directly from the `.ic` node values and
/// the capacitor/inductor `ic=` values. Each time point is a Newton solve (at most `itl4`
/// iterations) of the system the integrator forms (backward Euler on the first step and after
/// breakpoints, then trapezoidal, or Gear-2 with `.options method=gear`). Step sizes follow
/// `StepController` (ngspice's rules) and the charge-based truncation error (`TruncationError`).
/// Rows are the accepted time points from `TSTART` on (time 0 only when an operating point was
/// solved, i.e. without UIC, as ngspice); the last row is exactly `TSTOP`.
///
/// A run whose step stays within 10× the minimum step for `stuckLimit` accepted points in a row
/// (a chattering circuit) stops with `SimulatorError.timestepTooSmall` instead of crawling on.
enum Transient {
    /// The parameters of one `.tran` card.
    struct Parameters: Sendable {
        var step: Double
        var stop: Double
        var start: Double
        var maxStep: Double?
        var useInitialConditions: Bool
        /// Upper bound on the time points tried (accepted and rejected), so that a circuit whose
        /// step keeps collapsing cannot run for ever (`Simulation.maximumTimePoints`).
        var maximumPoints = Transient.defaultMaximumPoints

        /// The largest step the controller takes: TMAX when given, else min(TSTEP, (TSTOP − TSTART)/50).
        var largestStep: Double { maxStep.flatMap { $0 > 0 ? $0 : nil } ?? min(step, (stop - start) / 50) }

        /// The fewest time points the run can take (TSTOP / largest step, rounded up).
        var minimumPoints: Double { (stop / largestStep * (1 - 1e-9)).rounded(.up) }
    }

    /// The default of `Parameters.maximumPoints`.
    static let defaultMaximumPoints = 5_000_000

    /// Thrown inside `run` when the point limit is reached: the rows computed so far, and the error.
    struct LimitReached: Error {
        var partial: SimulationResult
        var error: SimulatorError
    }

    /// Fails before the run when even steps of the largest size need more points than the limit.
    static func checkPointLimit(_ p: Parameters, location: String) throws {
        try validate(p, location: location)
        let needed = p.minimumPoints
        guard needed <= Double(p.maximumPoints) else {
            throw SimulatorError.tooManyTimePoints(
                needed: needed, limit: p.maximumPoints, largestStep: p.largestStep, stop: p.stop, location: location)
        }
    }
    /// Consecutive accepted points at (nearly) the minimum step after which the run gives up.
    static let stuckLimit = 1000

    static func run(
        circuit original: Circuit, parameters p: Parameters, deck: Deck, name: String, location: String
    ) throws -> SimulationResult {
        try checkPointLimit(p, location: location)
        let options = deck.options
        let method = IntegrationMethod(option: options.method)

        // Sources learn their waveform defaults; their corners become breakpoints.
        var circuit = original
        var corners: [Double] = []
        for k in circuit.devices.indices {
            if var source = circuit.devices[k] as? any TransientSource {
                source.prepareTransient(step: p.step, stop: p.stop)
                corners += source.breakpoints(until: p.stop)
                circuit.devices[k] = source
            }
        }

        // ngspice also breaks at TSTEP when it starts from initial conditions (UIC).
        if p.useInitialConditions { corners.append(p.step) }

        var newton = try NewtonSolver(circuit: circuit, options: options)
        let (initial, opIterations) = try initialPoint(circuit: circuit, parameters: p, deck: deck, name: name)
        var current = initial

        var controller = StepController(step: p.step, stop: p.stop, start: p.start, maxStep: p.maxStep, corners: corners)
        let truncation = TruncationError(
            reltol: options.reltol, abstol: options.abstol, chgtol: options.chgtol, trtol: options.trtol)
        let itl4 = ContinuationSettings.iterationLimit(options.values["itl4"], default: 10)
        let stepLimiters = circuit.devices.compactMap { $0 as? any TimeStepLimiting }

        // Accepted history, newest first.
        let zero = Array(repeating: 0.0, count: circuit.dimension)
        var charges = [current.charges, current.charges, current.charges]
        var derivatives = [zero]
        var steps = Array(repeating: controller.maxStep, count: 4)

        var rows: [[Double]] = []
        func record(_ t: Double, _ x: [Double]) {
            if t >= p.start { rows.append(circuit.outputRow(scale: t, x)) }
        }
        // ngspice writes the time-zero row only when it solved an operating point (not with UIC).
        if !p.useInitialConditions { record(0, current.x) }

        var time = 0.0
        var attempts = 0
        var stuck = 0
        while !controller.isFinished(time) {
            var (h, onBreakpoint) = controller.nextStep(from: time)
            while true {
                attempts += 1
                if attempts > p.maximumPoints {
                    let partial = SimulationResult(
                        name: name, plotName: "Transient Analysis", title: deck.title,
                        variables: ["time"] + circuit.outputLabels, rows: rows,
                        newtonIterations: opIterations + newton.iterations)
                    throw LimitReached(partial: partial, error: .timePointLimit(
                        time: time, stop: p.stop, limit: p.maximumPoints, kept: rows.count, location: location))
                }
                let previousStep = h
                let t = onBreakpoint ? controller.breakpoints.upcoming : time + h
                let trialSteps = [h] + steps
                let integrator = method.integrator(order: controller.order)
                let formula = integrator.formula(steps: trialSteps)
                let history = formula.history(charges: charges, derivative: derivatives[0])
                newton.transient = TransientTerms(time: t, alpha: formula.alpha, history: history)
                let failure: (unknown: Int, cause: String)?
                var solution = current
                do throws(NewtonFailure) {
                    solution = try newton.iterate(from: current, limit: itl4, initJunction: false).0
                    failure = nil
                } catch {
                    switch error {
                    case .iterationLimit(let unknown, _): failure = (unknown, "Newton update (no convergence)")
                    case .singular(let column): failure = (column, "pivot (singular matrix)")
                    }
                }

                var worst: (unknown: Int, cause: String)? = failure
                if failure == nil {
                    // dQ/dt at the new point, as the integrator sees it.
                    var qdot = solution.charges
                    for i in qdot.indices { qdot[i] = formula.alpha * qdot[i] + history[i] }
                    let newCharges = [solution.charges] + charges
                    let newDerivatives = [qdot, derivatives[0]]
                    var accept = controller.firstStep
                    var next = h
                    var limiting: Int?
                    if !accept {
                        var (allowed, row) = truncation.allowedStep(
                            charges: newCharges, derivatives: newDerivatives, steps: trialSteps,
                            order: integrator.order, errorConstant: integrator.errorConstant)
                        // Switches approaching their switching point bound the step (ngspice's SWtrunc).
                        for device in stepLimiters {
                            allowed = min(allowed, device.maximumStep(step: h, state: solution.state,
                                                                      previousState: current.state))
                        }
                        next = allowed
                        limiting = row
                        if allowed > 0.9 * h {
                            accept = true
                            if controller.order == 1 {
                                let second = method.integrator(order: 2)
                                next = truncation.allowedStep(
                                    charges: newCharges, derivatives: newDerivatives, steps: trialSteps,
                                    order: 2, errorConstant: second.errorConstant).step
                                controller.order = next <= 1.05 * h ? 1 : 2
                            }
                        } else {
                            worst = (row ?? 0, "truncation error")
                        }
                    }
                    if accept {
                        stuck = h <= 10 * controller.minStep ? stuck + 1 : 0
                        if stuck >= stuckLimit {
                            throw SimulatorError.timestepTooSmall(
                                time: t, step: h, unknown: limiting.map { circuit.label($0) } ?? "(none)",
                                cause: "run of \(stuckLimit) steps at the minimum (chattering)")
                        }
                        time = t
                        current = solution
                        charges = Array(newCharges.prefix(4))
                        derivatives = [qdot]
                        steps = Array(trialSteps.prefix(4))
                        controller.step = next
                        controller.accepted(at: time, onBreakpoint: onBreakpoint)
                        record(time, current.x)
                        break
                    }
                    h = next
                } else {
                    h /= 8
                    controller.order = 1
                }
                onBreakpoint = false
                if h <= controller.minStep {
                    if previousStep > controller.minStep {
                        h = controller.minStep
                    } else {
                        let unknown = worst.map { $0.unknown < circuit.dimension ? circuit.label($0.unknown) : "?" } ?? "?"
                        throw SimulatorError.timestepTooSmall(
                            time: time, step: h, unknown: unknown, cause: worst?.cause ?? "error")
                    }
                }
                controller.step = h
            }
        }
        return SimulationResult(
            name: name, plotName: "Transient Analysis", title: deck.title,
            variables: ["time"] + circuit.outputLabels, rows: rows, newtonIterations: opIterations + newton.iterations)
    }

    /// Rejects cards ngspice would reject: non-positive or non-finite times, TSTART beyond TSTOP.
    static func validate(_ p: Parameters, location: String) throws {
        func bad(_ reason: String) -> SimulatorError { .invalidTransient(reason: reason, location: location) }
        guard p.step.isFinite, p.stop.isFinite, p.start.isFinite else { throw bad("times must be finite") }
        guard p.step > 0 else { throw bad("TSTEP must be positive (got \(format(p.step)))") }
        guard p.stop > 0 else { throw bad("TSTOP must be positive (got \(format(p.stop)))") }
        guard p.start >= 0, p.start < p.stop else {
            throw bad("TSTART \(format(p.start)) must lie in [0, TSTOP = \(format(p.stop)))")
        }
        if let m = p.maxStep, !(m.isFinite && m >= 0) { throw bad("TMAX must be a non-negative number") }
    }
}
