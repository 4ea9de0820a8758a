import Foundation
import Netlist

/// How a DC solution is sought when plain Newton fails (ngspice's `CKTop`).
struct ContinuationSettings: Sendable {
    /// `itl1`: iteration limit of a full operating point.
    var opLimit: Int
    /// `itl2`: iteration limit of one gmin/source step and of one DC sweep point.
    var stepLimit: Int
    /// Try plain Newton first (`.options noopiter` turns it off).
    var plainNewton = true
    /// gmin stepping (`.options gminsteps=0` turns it off).
    var gminStepping = true
    /// Source stepping (`.options srcsteps=0` turns it off).
    var sourceStepping = true
    /// Largest factor between two gmin steps (`.options gminfactor`, default 10).
    var gminFactor = 10.0

    /// An iteration limit from an option value, clamped to 1 ... 10⁶ (never trapping on NaN or ∞).
    static func iterationLimit(_ value: Double?, default fallback: Int) -> Int {
        guard let value, !value.isNaN else { return fallback }
        return Int(min(max(value.rounded(), 1), 1e6))
    }

    init(options: Options) {
        opLimit = Self.iterationLimit(options.values["itl1"], default: 100)
        stepLimit = Self.iterationLimit(options.values["itl2"], default: 50)
        if let v = options.values["noopiter"], v != 0 { plainNewton = false }
        if let v = options.values["gminsteps"], v <= 0 { gminStepping = false }
        if let v = options.values["srcsteps"], v <= 0 { sourceStepping = false }
        if let v = options.values["gminfactor"], v > 1 { gminFactor = v }
    }

    /// What `operatingPoint` tries, in order, as the error message names it (a strategy turned
    /// off by an option is named with that option, so the message never claims it was tried).
    var strategies: [String] {
        [plainNewton ? "Newton (itl1 = \(opLimit) iterations)" : "no plain Newton (noopiter)",
         gminStepping ? "gmin stepping (itl2 = \(stepLimit) per step)" : "no gmin stepping (gminsteps = 0)",
         sourceStepping ? "source stepping" : "no source stepping (srcsteps = 0)"]
    }
}

extension NewtonSolver {
    /// Bound on the number of gmin or source steps, so a stalled continuation ends.
    static let maxContinuationSteps = 1000

    /// Finds a DC operating point from `start`: plain Newton (`opLimit` iterations, junctions
    /// initialised), then dynamic gmin stepping, then source stepping, as ngspice does.
    /// Throws `SimulatorError` naming `point` when all fail (`point` is evaluated only then: a sweep
    /// point's label, formatted for the first point of every `.dc`, cost ~270,000 instructions).
    mutating func operatingPoint(
        from start: NewtonState, settings: ContinuationSettings, point: @autoclosure () -> String, analysis: String
    ) throws -> NewtonState {
        let before = iterations
        var lastFailure = NewtonFailure.iterationLimit(unknown: 0, update: 0)
        if settings.plainNewton {
            do throws(NewtonFailure) {
                return try iterate(from: start, limit: settings.opLimit, initJunction: true).0
            } catch { lastFailure = error }
        }
        if settings.gminStepping {
            do throws(NewtonFailure) {
                return try gminStepping(from: start, settings: settings)
            } catch { lastFailure = error }
        }
        if settings.sourceStepping {
            do throws(NewtonFailure) {
                return try sourceStepping(settings: settings)
            } catch { lastFailure = error }
        }
        throw error(for: lastFailure, point: point(), analysis: analysis, iterations: iterations - before,
                    tried: settings.strategies)
    }

    /// The operating point after a small change of the sources (the next point of a sweep, the
    /// next input of a session): at most `stepLimit` plain Newton iterations from `previous`, then
    /// a full `operatingPoint` from it, as ngspice's `DCtrCurv`; without `previous`, a full
    /// operating point from zero. `point` names the point in errors (built only on failure).
    ///
    /// With a `predictedState` (`extrapolate`: from the two previous points of an evenly stepped
    /// sweep), the first iteration linearises junctions at it, as ngspice's `MODEINITPRED` load does
    /// (`DEVpred` with equal steps); the iterate still starts at `previous`. On the 1000-diode
    /// ladder sweep: 444 → 416 Newton iterations (ngspice 415).
    mutating func nextOperatingPoint(
        after previous: NewtonState?, predictedState: [Double] = [], settings: ContinuationSettings,
        point: () -> String, analysis: String
    ) throws -> NewtonState {
        guard let previous else {
            return try operatingPoint(from: zeroState, settings: settings, point: point(), analysis: analysis)
        }
        do throws(NewtonFailure) {
            return try iterate(from: previous, limit: settings.stepLimit, initJunction: false, predictedState: predictedState).0
        } catch {
            return try operatingPoint(from: previous, settings: settings, point: point(), analysis: analysis)
        }
    }

    /// The device state predicted for the next point of an evenly stepped sweep from the states of
    /// the last two, `2·last − beforeLast`, written into `predicted` (its storage reused point after
    /// point; a `zip`/`map` cost ~20 instructions an element and an allocation).
    static func extrapolate(_ last: [Double], _ beforeLast: [Double], into predicted: inout [Double]) {
        if predicted.count != last.count { predicted = Array(repeating: 0, count: last.count) }
        predicted.withUnsafeMutableBufferPointer { out in
            last.withUnsafeBufferPointer { a in
                beforeLast.withUnsafeBufferPointer { b in
                    for i in out.indices { out[i] = 2 * a[i] - b[i] }
                }
            }
        }
    }

    /// Converts a Newton failure into the user-facing error.
    func error(
        for failure: NewtonFailure, point: String, analysis: String, iterations: Int, tried: [String]
    ) -> SimulatorError {
        switch failure {
        case .singular(let column):
            let name = column < circuit.dimension ? circuit.label(column) : "column \(column)"
            return .singularMatrix(analysis: point, unknown: name)
        case .iterationLimit(let unknown, let update):
            let name = unknown < circuit.dimension ? circuit.label(unknown) : "unknown \(unknown)"
            return .noConvergence(point: point, iterations: iterations, unknown: name, update: update, tried: tried)
        }
    }

    /// Dynamic gmin stepping: a conductance `g` from every node to ground starts at 1e-3 S and is
    /// divided by an adaptive factor (at most `gminFactor`) after each converged step, down to `gmin`;
    /// a failed step retreats with a smaller factor. A final plain Newton run removes it.
    mutating func gminStepping(from start: NewtonState, settings: ContinuationSettings) throws(NewtonFailure) -> NewtonState {
        var factor = settings.gminFactor
        var oldGmin = 1e-2
        var diag = oldGmin / factor
        let target = max(gmin, 1e-15)
        var good = start
        var initJ = true
        var steps = 0
        var lastFailure = NewtonFailure.iterationLimit(unknown: 0, update: .nan)
        while true {
            steps += 1
            if steps > Self.maxContinuationSteps { throw lastFailure }
            do throws(NewtonFailure) {
                let (s, its) = try iterate(from: good, limit: settings.stepLimit, initJunction: initJ, diagGmin: diag)
                initJ = false
                good = s
                if diag <= target { break }
                if its <= settings.stepLimit / 4 {
                    factor = min(factor * factor.squareRoot(), settings.gminFactor)
                }
                if its > 3 * settings.stepLimit / 4 { factor = factor.squareRoot() }
                oldGmin = diag
                if diag < factor * target {
                    factor = diag / target
                    diag = target
                } else {
                    diag /= factor
                }
            } catch {
                lastFailure = error
                if factor < 1.00005 { throw error }
                factor = factor.squareRoot().squareRoot()
                diag = oldGmin / factor
            }
        }
        return try iterate(from: good, limit: settings.opLimit, initJunction: false).0
    }

    /// Source stepping: solve with all independent sources scaled by `s = 0`, then raise `s` to 1 in
    /// adaptive steps (grown ×1.5 after an easy step, halved after a hard one, ÷10 after a failure).
    mutating func sourceStepping(settings: ContinuationSettings) throws(NewtonFailure) -> NewtonState {
        var good = try iterate(from: zeroState, limit: settings.opLimit, initJunction: true, sourceFactor: 0).0
        var reached = 0.0
        var raise = 1e-3
        var steps = 0
        var lastFailure = NewtonFailure.iterationLimit(unknown: 0, update: .nan)
        while reached < 1 {
            steps += 1
            if steps > Self.maxContinuationSteps { throw lastFailure }
            let s = min(1, reached + raise)
            do throws(NewtonFailure) {
                let (next, its) = try iterate(from: good, limit: settings.stepLimit, initJunction: false, sourceFactor: s)
                good = next
                reached = s
                if its <= settings.stepLimit / 4 { raise *= 1.5 } else if its > 3 * settings.stepLimit / 4 { raise *= 0.5 }
            } catch {
                lastFailure = error
                raise /= 10
                if raise < 1e-7 { throw error }
            }
        }
        return good
    }
}
