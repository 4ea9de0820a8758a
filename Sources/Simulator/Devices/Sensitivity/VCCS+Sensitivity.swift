/// G: `F_a += g·(v_c − v_d)`, `F_b −= g·(v_c − v_d)`: `∂/∂g = ±(v_c − v_d)` (`name_gain`).
extension VCCS: SensitivityParameters {
    static var sensitivityRank: Int { 6 }

    func parameterDerivatives(x: [Double]) -> [ParameterDerivative] {
        let control = LoadContext.value(x, c) - LoadContext.value(x, d)
        return [ParameterDerivative(name + "_gain", [(a, control), (b, -control)])]
    }
}
