/// `F_a += (v_a − v_b)/R`: `∂F_a/∂R = −(v_a − v_b)/R²`, `∂F_b/∂R = +(v_a − v_b)/R²`; `R/m` and
/// `R·scale` give `∂/∂m = −R·∂/∂R` and `∂/∂scale = R·∂/∂R` (at m = scale = 1). ngspice's other
/// resistor parameters (L, W, breakdown, noise) do not move the DC solution.
extension Resistor: SensitivityParameters {
    static var sensitivityRank: Int { 5 }

    func parameterDerivatives(x: [Double]) -> [ParameterDerivative] {
        let r = 1 / conductance
        let drop = LoadContext.value(x, a) - LoadContext.value(x, b)
        let dR = ParameterDerivative(name, [(a, -drop / (r * r)), (b, drop / (r * r))])
        return [":bv_max", ":lf", ":wf", ":ef"].map { ParameterDerivative(name + $0) } + [
            dR, ParameterDerivative(name + "_l"), ParameterDerivative(name + "_w"), dR.scaled(-r, as: name + "_m"),
            ParameterDerivative(name + "_bv_max"), dR.scaled(r, as: name + "_scale"),
        ]
    }
}
