import Netlist

/// Runs the analyses of a deck.
///
/// ```swift
/// let results = try Simulation(deck: deck).run()   // one SimulationResult per analysis
/// ```
public struct Simulation: Sendable {
    public let deck: Deck
    let circuit: Circuit

    /// Sets the circuit up (numbering, device slots); throws `SimulatorError` for bad elements.
    public init(deck: Deck) throws {
        self.deck = deck
        self.circuit = try Circuit(deck: deck)
        if circuit.dimension > Self.denseLimit {
            throw SimulatorError.circuitTooLarge(unknowns: circuit.dimension, limit: Self.denseLimit)
        }
    }

    /// Largest number of unknowns solved with the dense LU (two n×n matrices: 0.6 GB at the limit).
    static let denseLimit = 6000

    /// Runs every analysis in deck order; results are named per kind (`op1`, `dc1`, `dc2`, ...).
    public func run() throws -> [SimulationResult] {
        // Fail fast on analyses this simulator cannot run.
        for analysis in deck.analyses {
            switch analysis.kind {
            case .operatingPoint, .dcSweep, .transient: break
            case .ac: throw SimulatorError.unsupportedAnalysis(kind: "ac", location: analysis.location.description)
            }
        }
        var counts: [String: Int] = [:]
        func nextName(_ prefix: String) -> String {
            let n = (counts[prefix] ?? 0) + 1
            counts[prefix] = n
            return "\(prefix)\(n)"
        }
        var results: [SimulationResult] = []
        var checked = false
        for analysis in deck.analyses {
            let name: String
            switch analysis.kind {
            case .operatingPoint: name = nextName("op")
            case .dcSweep: name = nextName("dc")
            case .transient: name = nextName("tran")
            case .ac: name = nextName("ac")
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
                results.append(try DCSweep.run(circuit: circuit, specs: specs, options: deck.options, name: name,
                                               title: deck.title))
            case .transient(let step, let stop, let start, let maxStep, let uic):
                let parameters = Transient.Parameters(
                    step: step, stop: stop, start: start, maxStep: maxStep, useInitialConditions: uic)
                results.append(try Transient.run(circuit: circuit, parameters: parameters, deck: deck, name: name,
                                                 location: analysis.location.description))
            case .ac:
                break
            }
        }
        return results
    }

    /// Throws when the DC matrix is structurally singular: floating nodes or a voltage loop.
    /// `floating: false` skips the floating-node check (a UIC transient needs no DC path).
    func checkTopology(analysis: String, floating checkFloating: Bool = true) throws {
        let floating = checkFloating ? circuit.floatingNodes() : []
        if !floating.isEmpty { throw SimulatorError.floatingNodes(analysis: analysis, nodes: floating) }
        if let loop = circuit.voltageLoop() { throw SimulatorError.voltageLoop(analysis: analysis, elements: loop) }
    }
}
