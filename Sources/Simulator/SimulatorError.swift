import Netlist

/// Everything that can stop a simulation; `description` is one line with the context a user needs.
public enum SimulatorError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Node(s) without a DC path to ground (only capacitors, current sources or controlling inputs).
    case floatingNodes(analysis: String, nodes: [String])
    /// A loop made only of voltage sources and/or inductors.
    case voltageLoop(analysis: String, elements: [String])
    /// A numerically singular matrix not explained by the topology; names the unknown at the pivot.
    case singularMatrix(analysis: String, unknown: String)
    /// Newton did not converge with any of the strategies in `tried` (plain Newton, gmin and source
    /// stepping, each unless an option turned it off). `point` names the analysis point (`op1`,
    /// `dc1 at v1 = 2.5`); `unknown` is the one with the largest last update.
    case noConvergence(point: String, iterations: Int, unknown: String, update: Double, tried: [String])
    /// `.dc` names a source that is not an independent V or I source of the deck.
    case unknownSweepSource(analysis: String, source: String)
    /// A `.dc` sweep whose step cannot reach its stop value.
    case invalidSweep(analysis: String, source: String, reason: String)
    /// F/H (or W) referencing an element that is not a V source (or another branch element).
    case unknownControllingSource(element: String, source: String, location: String)
    /// An element with bad values or terminals.
    case invalidElement(element: String, reason: String, location: String)
    /// An element kind this simulator does not model yet.
    case unsupportedElement(element: String, kind: String, location: String)
    /// An analysis kind this simulator does not run yet.
    case unsupportedAnalysis(kind: String, location: String)
    /// More unknowns than the dense solver handles in reasonable memory and time.
    case circuitTooLarge(unknowns: Int, limit: Int)
    /// A `.tran` card with impossible times.
    case invalidTransient(reason: String, location: String)
    /// A `.tf`, `.sens` or `.noise` card names something the circuit does not have (`card` is the
    /// keyword, e.g. `.noise`).
    case invalidAnalysis(card: String, reason: String, location: String)
    /// The transient step fell below the minimum step at `time` (s); `unknown` is the row with the
    /// largest truncation error or Newton update (`cause` says which).
    case timestepTooSmall(time: Double, step: Double, unknown: String, cause: String)
    /// A `.tran` whose largest step needs more time points than the limit (checked before the run).
    case tooManyTimePoints(needed: Double, limit: Int, largestStep: Double, stop: Double, location: String)
    /// A `.tran` that tried `limit` time points (accepted and rejected) before reaching TSTOP;
    /// the `kept` rows up to `time` are returned with the error.
    case timePointLimit(time: Double, stop: Double, limit: Int, kept: Int, location: String)
    /// A result file could not be written or read.
    case io(path: String, reason: String)
    /// A rawfile that does not follow the ngspice ASCII format.
    case malformedRawfile(path: String, line: Int, reason: String)
    /// A `SimulationSession` was asked to set a source that is not an independent V or I source.
    case unknownSource(name: String)
    /// A `SimulationSession` was asked for the voltage of a node the circuit does not have.
    case unknownNode(name: String)
    /// A `SimulationSession` was asked for the current of an element without a branch current
    /// (only V sources, inductors, E, H and voltage-defined behavioural sources carry one).
    case unknownCurrent(element: String)
    /// A `.control` command (or `.meas` card) Kelvin cannot run, or one that failed: located at its
    /// line, naming the command.
    case control(location: String, command: String, message: String)
    /// A `SimulationSession` was probed before a successful `solve()` at its present source values.
    case notSolved(probe: String)

    public var description: String {
        switch self {
        case .floatingNodes(let analysis, let nodes):
            let list = nodes.map { "'\($0)'" }.joined(separator: ", ")
            return "\(analysis): singular matrix: node\(nodes.count == 1 ? "" : "s") \(list) "
                + "\(nodes.count == 1 ? "has" : "have") no DC path to ground (connected only through capacitors, current sources or controlling inputs)"
        case .voltageLoop(let analysis, let elements):
            return "\(analysis): singular matrix: loop of voltage sources/inductors: \(elements.joined(separator: ", "))"
        case .singularMatrix(let analysis, let unknown):
            return "\(analysis): singular matrix at \(unknown)"
        case .noConvergence(let point, let iterations, let unknown, let update, let tried):
            let hint = unknown.hasPrefix("v(") ? ".nodeset \(unknown)=<guess>" : ".nodeset v(NODE)=<guess>"
            return "\(point): no convergence after \(iterations) Newton iterations; tried: \(tried.joined(separator: ", ")); "
                + "largest update \(format(update)) at \(unknown); give a starting point with \(hint) "
                + "or allow more iterations with .options itl1=<n> (itl2=<n> for steps and sweeps)"
        case .unknownSweepSource(let analysis, let source):
            return "\(analysis): unknown sweep source '\(source)' (must be an independent V or I source)"
        case .invalidSweep(let analysis, let source, let reason):
            return "\(analysis): invalid sweep of '\(source)': \(reason)"
        case .unknownControllingSource(let element, let source, let location):
            return "\(location): \(element): controlling source '\(source)' is not a voltage source of the circuit"
        case .invalidElement(let element, let reason, let location):
            return "\(location): \(element): \(reason)"
        case .unsupportedElement(let element, let kind, let location):
            return "\(location): \(element): \(kind) elements are not supported by the simulator yet"
        case .unsupportedAnalysis(let kind, let location):
            return "\(location): .\(kind) analysis is not supported by the simulator yet"
        case .circuitTooLarge(let unknowns, let limit):
            return "circuit has \(unknowns) unknowns; the dense solver handles at most \(limit) (use .options solver=klu)"
        case .invalidTransient(let reason, let location):
            return "\(location): .tran: \(reason)"
        case .invalidAnalysis(let card, let reason, let location):
            return "\(location): \(card): \(reason)"
        case .timestepTooSmall(let time, let step, let unknown, let cause):
            return "tran: timestep too small at time \(format(time)) s: step \(format(step)) s is below the minimum; "
                + "largest \(cause) at \(unknown)"
        case .tooManyTimePoints(let needed, let limit, let largestStep, let stop, let location):
            // Twice the minimum leaves room for rejected steps; printed as an integer the flag accepts.
            let suggestion = needed * 2 < 9e18 ? String(Int(needed * 2)) : "N"
            return "\(location): .tran: needs at least \(format(needed)) time points (TSTOP \(format(stop)) s in steps of at "
                + "most \(format(largestStep)) s), over the limit of \(limit) time points; raise it with "
                + "--max-points \(suggestion), or use a larger TSTEP or TMAX"
        case .timePointLimit(let time, let stop, let limit, let kept, let location):
            return "\(location): .tran: stopped at time \(format(time)) s of \(format(stop)) s after \(limit) time points "
                + "(the limit; raise it with --max-points); the \(kept) points computed are kept"
        case .io(let path, let reason):
            return "\(path): \(reason)"
        case .malformedRawfile(let path, let line, let reason):
            return "\(path):\(line): malformed rawfile: \(reason)"
        case .unknownSource(let name):
            return "session: unknown source '\(name)' (must be an independent V or I source)"
        case .unknownNode(let name):
            return "session: unknown node '\(name)'"
        case .unknownCurrent(let element):
            return "session: no branch current for '\(element)' (V sources, inductors, E, H and voltage B sources have one)"
        case .control(let location, let command, let message):
            return "\(location): \(message) ('\(command)')"
        case .notSolved(let probe):
            return "session: \(probe) probed before solve() at the present source values"
        }
    }
}

/// `%g`-style formatting for messages (C's, without `String(format:)`'s va_list bridge, whose
/// first use costs ~0.9M instructions of run-time conformance look-ups).
func format(_ x: Double) -> String {
    CNumberFormat.string(x, .g6)
}

import Foundation
