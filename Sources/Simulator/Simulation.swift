import Netlist

/// Runs the analyses of a deck.
///
/// ```swift
/// let results = try Simulation(deck: deck).run()   // one SimulationResult per analysis
/// ```
public struct Simulation: Sendable {
    public let deck: Deck
    let circuit: Circuit
    /// The most time points one `.tran` may try (accepted and rejected). A run that needs more
    /// even at its largest step fails before it starts; one that reaches it stops with the rows
    /// computed so far kept (`run(into:)`). `kelvin sim --max-points` sets it.
    public var maximumTimePoints = Simulation.defaultMaximumTimePoints

    /// The default `maximumTimePoints`.
    public static let defaultMaximumTimePoints = Transient.defaultMaximumPoints

    /// Sets the circuit up (numbering, device slots); throws `SimulatorError` for bad elements.
    public init(deck: Deck) throws {
        self.deck = deck
        self.circuit = try Circuit(deck: deck)
        if NewtonSolver.solverChoice(deck.options).resolved(dimension: circuit.dimension) == .dense,
            circuit.dimension > Self.denseLimit
        {
            throw SimulatorError.circuitTooLarge(unknowns: circuit.dimension, limit: Self.denseLimit)
        }
    }

    /// Largest number of unknowns solved with the dense LU (two n×n matrices: 0.6 GB at the limit).
    static let denseLimit = 6000

    /// Runs every analysis in deck order; results are named per kind (`op1`, `dc1`, `dc2`, ...).
    public func run() throws -> [SimulationResult] {
        var results: [SimulationResult] = []
        try run(into: &results)
        return results
    }

    /// Runs every analysis in deck order, appending each result as it completes; when an analysis
    /// fails, `results` keeps the completed ones (and the rows of a `.tran` stopped by the time
    /// point limit) and the error is thrown.
    public func run(into results: inout [SimulationResult]) throws {
        // Fail fast on analyses this simulator cannot run, or cannot run within the point limit.
        for analysis in deck.analyses {
            switch analysis.kind {
            case .operatingPoint, .dcSweep, .ac, .transferFunction, .sensitivity, .noise: break
            case .transient(let step, let stop, let start, let maxStep, let uic):
                try Transient.checkPointLimit(
                    Transient.Parameters(step: step, stop: stop, start: start, maxStep: maxStep,
                                         useInitialConditions: uic, maximumPoints: maximumTimePoints),
                    location: analysis.location.description)
            }
        }
        var counts: [String: Int] = [:]
        func nextName(_ prefix: String) -> String {
            let n = (counts[prefix] ?? 0) + 1
            counts[prefix] = n
            return "\(prefix)\(n)"
        }
        var checked = false
        for analysis in deck.analyses {
            let name: String
            switch analysis.kind {
            case .operatingPoint: name = nextName("op")
            case .dcSweep: name = nextName("dc")
            case .transient: name = nextName("tran")
            case .ac: name = nextName("ac")
            case .transferFunction: name = nextName("tf")
            case .sensitivity: name = nextName("sens")
            case .noise: name = nextName("noise")
            }
            if !checked {
                var uic = false
                if case .transient(_, _, _, _, let flag) = analysis.kind { uic = flag }
                try checkTopology(analysis: name, floating: !uic)
                checked = true
            }
            switch analysis.kind {
            case .operatingPoint:
                results.append(try OperatingPoint.run(circuit: circuit, options: deck.options, name: name, title: deck.title))
            case .dcSweep(let specs):
                results.append(try DCSweep.run(circuit: circuit, deck: deck, specs: specs, options: deck.options, name: name,
                                               title: deck.title))
            case .transient(let step, let stop, let start, let maxStep, let uic):
                let parameters = Transient.Parameters(
                    step: step, stop: stop, start: start, maxStep: maxStep, useInitialConditions: uic,
                    maximumPoints: maximumTimePoints)
                do {
                    results.append(try Transient.run(circuit: circuit, parameters: parameters, deck: deck, name: name,
                                                     location: analysis.location.description))
                } catch let limit as Transient.LimitReached {
                    results.append(limit.partial)
                    throw limit.error
                }
            case .ac(let variation, let points, let start, let stop):
                results.append(try ACAnalysis.run(circuit: circuit, variation: variation, points: points, start: start,
                                                  stop: stop, options: deck.options, name: name, title: deck.title))
            case .transferFunction(let output, let source):
                results.append(try TransferFunction.run(circuit: circuit, output: output, source: source,
                                                        options: deck.options, name: name, title: deck.title,
                                                        location: analysis.location.description))
            case .sensitivity(let output):
                results.append(try Sensitivity.run(circuit: circuit, output: output, options: deck.options, name: name,
                                                   title: deck.title, location: analysis.location.description))
            case .noise(let output, let source, let variation, let points, let start, let stop):
                // ngspice's two plots: noise1 (densities) and noise2 (totals).
                results += try NoiseAnalysis.run(circuit: circuit, output: output, source: source, variation: variation,
                                                 points: points, start: start, stop: stop, options: deck.options,
                                                 names: (name, nextName("noise")), title: deck.title,
                                                 location: analysis.location.description)
            }
        }
    }

    /// Throws when the DC matrix is structurally singular: floating nodes or a voltage loop.
    /// `floating: false` skips the floating-node check (a UIC transient needs no DC path).
    func checkTopology(analysis: String, floating checkFloating: Bool = true) throws {
        let floating = checkFloating ? circuit.floatingNodes() : []
        if !floating.isEmpty { throw SimulatorError.floatingNodes(analysis: analysis, nodes: floating) }
        if let loop = circuit.voltageLoop() { throw SimulatorError.voltageLoop(analysis: analysis, elements: loop) }
    }
}
