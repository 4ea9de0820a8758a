/// Chooses transient step sizes the way ngspice's `DCtran` does, and decides on accepting a point.
///
/// - Maximum step `TMAX`, else `min(TSTEP, (TSTOP − TSTART)/50)`; minimum step `1e-11·TMAX`.
/// - First step `min(TSTOP/100, TSTEP)/10`, then (time 0 counts as a breakpoint) cut to a tenth of
///   the distance to the next breakpoint and divided by 10 once more.
/// - Right after a breakpoint: order 1 (backward Euler) and a step of at most a tenth of
///   `min(step before the breakpoint, distance to the next breakpoint)`.
/// - A step that would pass a breakpoint, or end within `5e-5·TMAX` before it, lands on it exactly;
///   `TSTOP` is the last breakpoint, so the last point is exactly `TSTOP`.
/// - After a converged point the truncation error proposes a new step `h'`: the point is accepted
///   when `h' > 0.9·h` (then, at order 1, order 2 is tried and kept unless its step is no more than
///   `1.05·h`), otherwise rejected and retried with `h'`. A Newton failure retries with `h/8` at order 1.
struct StepController: Sendable {
    let stop: Double
    let maxStep: Double
    let minStep: Double
    /// Breakpoints closer than this (s) are one (SPICE's `CKTminBreak = 5e-5·TMAX`).
    let breakTolerance: Double
    var breakpoints: Breakpoints
    /// The proposed next step (s).
    var step: Double
    /// The step in use before the last cut onto a breakpoint (s).
    var savedStep: Double
    /// Integration order of the next step (1 or 2).
    var order = 1
    /// True until the first step is accepted.
    var firstStep = true
    /// True when the last accepted point is a breakpoint (time 0 included).
    var atBreakpoint = true

    init(step tstep: Double, stop: Double, start: Double, maxStep tmax: Double?, corners: [Double]) {
        self.stop = stop
        let limit = tmax.flatMap { $0 > 0 ? $0 : nil } ?? min(tstep, (stop - start) / 50)
        maxStep = limit
        minStep = 1e-11 * limit
        breakTolerance = 5e-5 * limit
        breakpoints = Breakpoints(corners, stop: stop, minimumSpacing: breakTolerance)
        step = min(stop / 100, tstep) / 10
        savedStep = stop / 50
    }

    /// The step (s) to try from the accepted point at `time`, applying the maximum step and the
    /// breakpoint rules; returns whether the step ends exactly on a breakpoint.
    mutating func nextStep(from time: Double) -> (step: Double, landsOnBreakpoint: Bool) {
        var h = min(step, maxStep)
        let upcoming = breakpoints.upcoming
        if atBreakpoint {
            order = 1
            h = min(h, 0.1 * min(savedStep, upcoming - time))
            if firstStep { h /= 10 }
            h = max(h, 2 * minStep)
        }
        // Land on the breakpoint when the step reaches it or would stop just short of it.
        if time + h >= upcoming - breakTolerance {
            if !atBreakpoint { savedStep = h }
            step = upcoming - time
            return (step, true)
        }
        step = h
        return (h, false)
    }

    /// Records the accepted point at `time`.
    mutating func accepted(at time: Double, onBreakpoint: Bool) {
        firstStep = false
        atBreakpoint = onBreakpoint
        breakpoints.pass(time, tolerance: breakTolerance)
    }

    /// True when `time` is the end of the analysis (the last step always lands exactly on `TSTOP`).
    func isFinished(_ time: Double) -> Bool { time >= stop }
}
