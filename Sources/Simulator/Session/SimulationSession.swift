import Netlist

/// One circuit set up once and solved at many source values: set sources, solve the DC operating
/// point, probe node voltages and branch currents, repeat.
///
/// The circuit (numbering, device slots, matrix pattern), the linear solver with its symbolic
/// analysis (KLU ordering) and the linear part's constant stamps are built once in `init`. Each
/// `solve()` warm-starts Newton from the previous solution with at most `itl2` plain iterations,
/// falling back to a full operating point (gmin and source stepping) as a `.dc` sweep point does;
/// the first solve is a full operating point from zero, as `.op`. When the Jacobian does not change
/// (a linear circuit) the factorisation itself is reused. The deck's analyses are ignored.
///
/// ```swift
/// var session = try SimulationSession(deck: deck)
/// for v in inputs {
///     try session.setSource("v1", v)
///     try session.solve()
///     let out = try session.voltage("out"), supply = try session.current("vdd")
/// }
/// ```
public struct SimulationSession: Sendable {
    /// The deck the session was built from (its source values as parsed).
    public let deck: Deck
    private var newton: NewtonSolver
    private let settings: ContinuationSettings
    /// Unknown index of each deck node and of each branch current, by name.
    private let nodes: [String: Int]
    private let branches: [String: Int]
    /// Index in `circuit.devices` of each independent V and I source.
    private let sources: [String: Int]
    /// The last converged solution (kept after a failed solve, to warm-start the next one).
    private var previous: NewtonState?
    /// True when `previous` is the solution at the present source values.
    private var solved = false
    /// Number of `solve()` calls that converged.
    public private(set) var solves = 0

    /// Sets the circuit up; throws `SimulatorError` for bad elements, floating nodes or voltage loops.
    public init(deck: Deck) throws {
        let simulation = try Simulation(deck: deck)
        try simulation.checkTopology(analysis: "session")
        let circuit = simulation.circuit
        self.deck = deck
        self.newton = try NewtonSolver(circuit: circuit, options: deck.options)
        self.settings = ContinuationSettings(options: deck.options)
        var nodes: [String: Int] = [:], branches: [String: Int] = [:]
        for k in circuit.unknownNames.indices {
            switch circuit.unknownKinds[k] {
            case .node: nodes[circuit.unknownNames[k]] = k
            case .branch: branches[circuit.unknownNames[k]] = k
            case .internalNode: break
            }
        }
        self.nodes = nodes
        self.branches = branches
        self.sources = circuit.sources
    }

    /// Sets the DC value of the independent source `name` (volts for V, amperes for I).
    public mutating func setSource(_ name: String, _ value: Double) throws {
        let key = name.lowercased()
        guard let device = sources[key] else { throw SimulatorError.unknownSource(name: name) }
        guard value.isFinite else {
            throw SimulatorError.invalidElement(element: key, reason: "source value is not finite", location: "session")
        }
        newton.setSource(device, to: value)
        solved = false
    }

    /// The DC value of source `name` in the next solve (as set, else as the deck gives it).
    public func sourceValue(_ name: String) throws -> Double {
        guard let device = sources[name.lowercased()],
            let source = newton.circuit.devices[device] as? any SweepableSource
        else { throw SimulatorError.unknownSource(name: name) }
        return source.dcValue
    }

    /// Solves the DC operating point at the present source values (warm-started from the last
    /// solution); returns the result row: the values of `variables`, as `.op` reports them.
    @discardableResult
    public mutating func solve() throws -> [Double] {
        solved = false
        let solution = try newton.nextOperatingPoint(
            after: previous, settings: settings, point: { "session solve \(solves + 1)" }, analysis: "session")
        previous = solution
        solved = true
        solves += 1
        return newton.circuit.outputUnknowns.map { solution.x[$0] }
    }

    /// Names of the values `solve()` returns: `v(node)`, then `i(source)`, as in `.op` results.
    public var variables: [String] { newton.circuit.outputLabels }

    /// Voltage (V) of node `name` in the last solution (`0` and `gnd` are ground).
    public func voltage(_ name: String) throws -> Double {
        let key = name.lowercased()
        guard key == "0" || key == "gnd" || nodes[key] != nil else { throw SimulatorError.unknownNode(name: name) }
        let x = try solution(probe: "v(\(key))")
        return nodes[key].map { x[$0] } ?? 0
    }

    /// Branch current (A) of element `name` (V source, inductor, E, H) in the last solution; for
    /// a V source it flows from n+ through the source to n−, as SPICE reports `i(vname)`.
    public func current(_ name: String) throws -> Double {
        let key = name.lowercased()
        guard let k = branches[key] else { throw SimulatorError.unknownCurrent(element: name) }
        return try solution(probe: "i(\(key))")[k]
    }

    private func solution(probe: String) throws -> [Double] {
        guard solved, let previous else { throw SimulatorError.notSolved(probe: probe) }
        return previous.x
    }

    /// Work counters: Newton iterations, numeric factorisations done and reused, and linear
    /// solvers set up (symbolic analysis), over the session's life.
    package var counters: (iterations: Int, factorizations: Int, reusedFactorizations: Int, solverSetUps: Int) {
        (newton.iterations, newton.factorizations, newton.reusedFactorizations, newton.solverSetUps)
    }
}
