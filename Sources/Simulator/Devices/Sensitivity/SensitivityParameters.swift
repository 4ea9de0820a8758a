/// One parameter `p` of a device as `.sens` reports it: ngspice's name and `∂(F − B)/∂p` at the
/// operating point, as sparse entries `(unknown, value)` (ground entries dropped by the analysis).
/// A parameter that cannot move the DC solution (a capacitance, a noise coefficient) has none.
struct ParameterDerivative: Sendable {
    var name: String
    var entries: [(Int, Double)]

    init(_ name: String, _ entries: [(Int, Double)] = []) {
        self.name = name
        self.entries = entries
    }

    /// The same derivative scaled by `factor` under another name (`∂/∂m = ∂/∂R · ∂R/∂m`).
    func scaled(_ factor: Double, as name: String) -> ParameterDerivative {
        ParameterDerivative(name, entries.map { ($0.0, $0.1 * factor) })
    }
}

/// A device with parameters the DC sensitivity analysis (`.sens`) reports.
protocol SensitivityParameters {
    /// ngspice's rank of the device type in its `sens` plot (its device table: C, F, H, L, I, R,
    /// G, E, V); devices of one rank are listed in reverse deck order.
    static var sensitivityRank: Int { get }
    /// The parameters in ngspice's order, with `∂(F − B)/∂p` at the operating point `x`.
    func parameterDerivatives(x: [Double]) -> [ParameterDerivative]
}

extension LoadContext {
    /// The voltage of unknown `k` in `x` (0 for ground).
    static func value(_ x: [Double], _ k: Int) -> Double { k == groundIndex ? 0 : x[k] }
}
