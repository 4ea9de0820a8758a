import Netlist

/// `.op`: one DC operating point (capacitors open, inductors shorted).
enum OperatingPoint {
    static func run(circuit: Circuit, options: Options, name: String, title: String) throws -> SimulationResult {
        var newton = try NewtonSolver(circuit: circuit, options: options)
        let settings = ContinuationSettings(options: options)
        let solution = try newton.operatingPoint(from: newton.zeroState, settings: settings, point: name, analysis: name)
        return SimulationResult(
            name: name, plotName: "Operating Point", title: title, variables: circuit.outputLabels,
            rows: [circuit.outputUnknowns.map { solution.x[$0] }], newtonIterations: newton.iterations)
    }
}
