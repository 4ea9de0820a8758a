import LinearAlgebra
import Netlist

/// `.sens OUTVAR`: DC sensitivity `∂y/∂p` of an output `y` (`v(p[,n])` or `i(vsrc)`) to the
/// parameters of every device that reports them (`SensitivityParameters`: R, C, L, V, I, E, F, G,
/// H), named and ordered as ngspice's `sens` plot.
///
/// At the operating point `x₀` of `F(x) = B`, a parameter `p` moves the solution by
/// `∂x/∂p = −G⁻¹·∂(F − B)/∂p` with `G = ∂F/∂x(x₀)` (the direct method on the linearised system: one
/// solve per parameter with one factorisation, exact for these elements, where ngspice's finite
/// differences agree to ~1e-6). A parameter with no derivative entries reports −0, as ngspice does.
/// Semiconductor and switch parameters are not computed (the parser warns at `.sens`).
enum Sensitivity {
    static func run(circuit: Circuit, output: OutputVariable, options: Options, name: String, title: String,
                    location: String) throws -> SimulationResult {
        let (p, n) = try circuit.unknowns(of: output, card: ".sens", location: location)
        let system = try SmallSignalSystem(circuit: circuit, options: options, name: name)
        var lu = ComplexDenseLU(dimension: system.dimension)
        try system.factor(omega: 0, into: &lu, analysis: name)

        // ngspice's order: by device type, each type in reverse deck order.
        let devices = circuit.devices.enumerated().compactMap { k, device in
            (device as? any SensitivityParameters).map { (index: k, device: $0) }
        }.sorted { x, y in
            let rx = type(of: x.device).sensitivityRank, ry = type(of: y.device).sensitivityRank
            return rx != ry ? rx < ry : x.index > y.index
        }
        var names: [String] = []
        var values: [Double] = []
        for (_, device) in devices {
            for parameter in device.parameterDerivatives(x: system.x) {
                names.append(parameter.name)
                guard !parameter.entries.isEmpty else {
                    values.append(-0.0)
                    continue
                }
                var rhs = [ComplexDouble](repeating: ComplexDouble(0), count: system.dimension)
                for (k, value) in parameter.entries where k != groundIndex { rhs[k].re -= value }
                try lu.solve(&rhs)
                values.append(SmallSignalSystem.value(rhs, p).re - SmallSignalSystem.value(rhs, n).re)
            }
        }
        return SimulationResult(
            name: name, plotName: "Sensitivity Analysis", title: title, variables: names, rows: [values],
            newtonIterations: system.iterations)
    }
}
