import Foundation
import Netlist

/// A transient source waveform with ngspice's defaults applied, ready to evaluate.
///
/// Defaults depend on the analysis (`TSTEP`, `TSTOP`), as in ngspice's `VSRCload`:
/// - `PULSE(V1 V2 TD TR TF PW PER [NP])`: TR and TF (s) default to TSTEP when absent or zero, PW and
///   PER to TSTOP; NP (number of pulses, 0 = unlimited) after which the source stays at V1.
/// - `SIN(VO VA FREQ TD THETA PHASE)`: FREQ (Hz) defaults to 1/TSTOP; for `t ≤ TD` the value is
///   `VO + VA·sin(PHASE)`, after it `VO + VA·sin(2π·FREQ·(t−TD) + PHASE)·exp(−(t−TD)·THETA)`
///   (PHASE in degrees, THETA in 1/s).
/// - `EXP(V1 V2 TD1 TAU1 TD2 TAU2)`: TD1, TAU1 and TAU2 default (absent or zero) to TSTEP, TD2 to
///   TD1 + TSTEP;
///   `V1` for `t ≤ TD1`, then `V1 + (V2−V1)(1−e^{−(t−TD1)/TAU1})`, and after TD2 the term
///   `(V1−V2)(1−e^{−(t−TD2)/TAU2})` is added.
/// - `PWL(t1 v1 ...)` with `td=` (delay) and `r=` (repeat the table from time r to the last point):
///   linear between points, the first value before the first point, the last value after the last.
///   The segment is found from a cursor (`value(at:segment:)`), so a long table costs O(1) per time step.
struct TimeWaveform: Sendable {
    enum Shape: Sendable {
        case pulse(v1: Double, v2: Double, delay: Double, rise: Double, fall: Double, width: Double, period: Double,
                   count: Double)
        case sine(offset: Double, amplitude: Double, frequency: Double, delay: Double, damping: Double, phase: Double)
        case exponential(v1: Double, v2: Double, delay1: Double, tau1: Double, delay2: Double, tau2: Double)
        case piecewise(times: [Double], values: [Double], repeatFrom: Double?, delay: Double)
    }

    let shape: Shape

    /// Applies ngspice's defaults for a transient with step `step` and stop time `stop` (s).
    init(_ waveform: Waveform, step: Double, stop: Double) {
        func arg(_ p: [Double], _ k: Int, _ fallback: Double) -> Double { k < p.count ? p[k] : fallback }
        func nonzero(_ p: [Double], _ k: Int, _ fallback: Double) -> Double {
            k < p.count && p[k] != 0 ? p[k] : fallback
        }
        switch waveform {
        case .pulse(let p):
            shape = .pulse(
                v1: arg(p, 0, 0), v2: arg(p, 1, 0), delay: arg(p, 2, 0), rise: nonzero(p, 3, step),
                fall: nonzero(p, 4, step), width: nonzero(p, 5, stop), period: nonzero(p, 6, stop),
                count: arg(p, 7, 0))
        case .sin(let p):
            shape = .sine(
                offset: arg(p, 0, 0), amplitude: arg(p, 1, 0), frequency: nonzero(p, 2, 1 / stop),
                delay: arg(p, 3, 0), damping: arg(p, 4, 0), phase: arg(p, 5, 0) * .pi / 180)
        case .exp(let p):
            let td1 = nonzero(p, 2, step)
            shape = .exponential(
                v1: arg(p, 0, 0), v2: arg(p, 1, 0), delay1: td1, tau1: nonzero(p, 3, step),
                delay2: nonzero(p, 4, td1 + step), tau2: nonzero(p, 5, step))
        case .pwl(let points, let repeatFrom, let delay):
            let r = repeatFrom.flatMap { $0 < 0 ? nil : $0 }
            shape = .piecewise(times: points.map(\.time), values: points.map(\.value), repeatFrom: r, delay: delay)
        }
    }

    /// The source value (V or A) at time `t` (s); a PWL segment is found by bisection.
    func value(at t: Double) -> Double { value(at: t, segment: 0).value }

    /// The source value (V or A) at time `t` (s) and the PWL segment `k` it lies in (between
    /// points `k−1` and `k`; 0 for other shapes). The search starts at the segment `hint` (any
    /// value is safe): a transient passes the segment of its previous evaluation, so a time step
    /// walks at most a few points and a long table costs O(1) per step, forward or back after a
    /// rejected step. The value does not depend on the hint.
    func value(at t: Double, segment hint: Int) -> (value: Double, segment: Int) {
        switch shape {
        case .pulse(let v1, let v2, let td, let tr, let tf, let pw, let per, let np):
            var time = t - td
            if time > per {
                let cycles = (time / per).rounded(.down)
                if np > 0, cycles >= np { return (v1, 0) }
                time -= per * cycles
            }
            if time <= 0 || time >= tr + pw + tf { return (v1, 0) }
            if time >= tr && time <= tr + pw { return (v2, 0) }
            if time < tr { return (v1 + (v2 - v1) * time / tr, 0) }
            return (v2 + (v1 - v2) * (time - tr - pw) / tf, 0)
        case .sine(let vo, let va, let freq, let td, let theta, let phase):
            let time = t - td
            if time <= 0 { return (vo + va * sin(phase), 0) }
            return (vo + va * sin(2 * .pi * freq * time + phase) * exp(-time * theta), 0)
        case .exponential(let v1, let v2, let td1, let tau1, let td2, let tau2):
            if t <= td1 { return (v1, 0) }
            var value = v1 + (v2 - v1) * (1 - exp(-(t - td1) / tau1))
            if t > td2 { value += (v1 - v2) * (1 - exp(-(t - td2) / tau2)) }
            return (value, 0)
        case .piecewise(let times, let values, let repeatFrom, let delay):
            guard let first = times.first, let last = times.last else { return (0, hint) }
            var time = t - delay
            if let r = repeatFrom, time > last, last > r {
                time = r + (time - r).truncatingRemainder(dividingBy: last - r)
            }
            if time <= first { return (values[0], hint) }
            if time >= last { return (values[values.count - 1], hint) }
            let k = Self.segment(times, containing: time, hint: hint)
            let t0 = times[k - 1], t1 = times[k]
            if t1 <= t0 { return (values[k], k) }
            return (values[k - 1] + (values[k] - values[k - 1]) * (time - t0) / (t1 - t0), k)
        }
    }

    /// The first `k ≥ 1` with `times[k] ≥ time`, for non-decreasing `times` with
    /// `times[0] < time < times[last]`: up to `walk` steps from `hint`, then bisection.
    static func segment(_ times: [Double], containing time: Double, hint: Int, walk: Int = 4) -> Int {
        var k = min(max(hint, 1), times.count - 1)
        for _ in 0..<walk {
            // In range: times[last] > time stops the walk forward, times[0] < time the walk back.
            if times[k] < time {
                k += 1
            } else if times[k - 1] >= time {
                k -= 1
            } else {
                return k
            }
        }
        var low = 1, high = times.count - 1
        while low < high {
            let middle = (low + high) / 2
            if times[middle] < time { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// The waveform's corners in `(0, stop]` (s): where its slope jumps, so the time step must land there
    /// (PULSE edges and PWL points; none for SIN and EXP, as in ngspice).
    /// At most `limit` points (a very fast pulse train stops adding corners beyond that).
    func breakpoints(until stop: Double, limit: Int = 1_000_000) -> [Double] {
        var points: [Double] = []
        func add(_ t: Double) { if t > 0 && t <= stop && points.count < limit { points.append(t) } }
        switch shape {
        case .pulse(_, _, let td, let tr, let tf, let pw, let per, let np):
            var start = td
            var n = 0.0
            while start <= stop && points.count < limit {
                add(start); add(start + tr); add(start + tr + pw); add(start + tr + pw + tf)
                n += 1
                if np > 0 && n >= np { break }
                start += per
            }
        case .sine, .exponential:
            break  // ngspice sets no breakpoints for SIN and EXP; the truncation error resolves them
        case .piecewise(let times, _, let repeatFrom, let delay):
            for t in times { add(t + delay) }
            if let r = repeatFrom, let last = times.last, last > r {
                let inCycle = times.filter { $0 > r }
                var base = last - r
                while delay + r + base < stop && points.count < limit {
                    for t in inCycle { add(t + base + delay) }
                    base += last - r
                }
            }
        }
        return points
    }
}

/// The value an independent source loads: in a transient its waveform at the load's time, else
/// its DC value. A PWL waveform resumes its segment search at the cursor the previous load left
/// in state slot `cursor` (the last accepted point's, after a rejected step) and writes the new
/// one there; the cursor is only a search hint and never changes the value.
func loadedSourceValue(
    waveform: TimeWaveform?, dcValue: Double, cursor: Int?, context: LoadContext, buffer: inout LoadBuffer
) -> Double {
    guard context.waveforms, let waveform else { return dcValue }
    guard let cursor else { return waveform.value(at: context.time) }
    let stored = context.previousState[cursor]
    let hint = stored >= 1 && stored < 1e15 ? Int(stored) : 1
    let (value, segment) = waveform.value(at: context.time, segment: hint)
    buffer.state[cursor] = Double(segment)
    return value
}

extension Source {
    /// Whether the waveform is PWL (the source then keeps a segment cursor in one state slot).
    var hasPiecewiseWaveform: Bool {
        if case .pwl? = waveform { return true }
        return false
    }

    /// The transient waveform with defaults for `step`/`stop`, or nil for a pure DC source.
    func timeWaveform(step: Double, stop: Double) -> TimeWaveform? {
        waveform.map { TimeWaveform($0, step: step, stop: stop) }
    }
}
