import LinearAlgebra
import Netlist

/// `.tf OUTVAR INSRC`: small-signal DC transfer function, input resistance and output resistance
/// at the operating point, as ngspice's `tf` plot.
///
/// With `G = ∂F/∂x(x₀)` (capacitors open, inductors shorted):
/// - transfer function `T = y` for `G·x = e_in`, the unit excitation of INSRC (1 V or 1 A), `y` the
///   output (`v(p) − v(n)` in V or the current of a V source in A);
/// - input resistance: for a V source `R_in = −1/i_src` (its branch current flows into n+), for an
///   I source the voltage it develops across itself per ampere, `R_in = v(n−) − v(n+)`;
/// - output resistance: for `v(p,n)`, `R_out = v(p) − v(n)` for `G·x = 1 A` into `p` out of `n`; for a
///   current output ngspice reports 1e20 Ω (an ideal current output), and so does Kelvin.
///
/// Variables named as ngspice prints them (lower case): `transfer_function`,
/// `INSRC#input_impedance`, `output_impedance_at_v(p[,n])` or `VSRC#output_impedance`.
enum TransferFunction {
    static func run(circuit: Circuit, output: OutputVariable, source: String, options: Options, name: String,
                    title: String, location: String) throws -> SimulationResult {
        let (p, n) = try circuit.unknowns(of: output, card: ".tf", location: location)
        let input = try circuit.inputSource(source, card: ".tf", location: location)
        let system = try SmallSignalSystem(circuit: circuit, options: options, name: name)
        var lu = ComplexDenseLU(dimension: system.dimension)
        try system.factor(omega: 0, into: &lu, analysis: name)
        func y(_ x: [ComplexDouble]) -> Double {
            SmallSignalSystem.value(x, p).re - SmallSignalSystem.value(x, n).re
        }

        var x = system.unitExcitation(source: input)
        try lu.solve(&x)
        let transfer = y(x)
        let inputResistance: Double
        if let v = circuit.devices[input] as? VoltageSource {
            inputResistance = -1 / SmallSignalSystem.value(x, v.branch).re
        } else if let i = circuit.devices[input] as? CurrentSource {
            inputResistance = SmallSignalSystem.value(x, i.b).re - SmallSignalSystem.value(x, i.a).re
        } else {
            inputResistance = .nan
        }

        let outputName: String
        let outputResistance: Double
        switch output {
        case .voltage:
            var z = system.unitCurrent(into: p, from: n)
            try lu.solve(&z)
            outputResistance = y(z)
            outputName = "output_impedance_at_\(output)"
        case .current(let vsrc):
            outputResistance = 1e20
            outputName = "\(vsrc)#output_impedance"
        }
        return SimulationResult(
            name: name, plotName: "Transfer Function", title: title,
            variables: ["transfer_function", "\(source)#input_impedance", outputName],
            rows: [[transfer, inputResistance, outputResistance]], newtonIterations: system.iterations)
    }
}
