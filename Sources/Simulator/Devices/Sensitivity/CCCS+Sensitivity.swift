/// F: `F_a += β·i_c`, `F_b −= β·i_c`: `∂/∂β = ±i_c` (`name_gain`).
extension CCCS: SensitivityParameters {
    static var sensitivityRank: Int { 1 }

    func parameterDerivatives(x: [Double]) -> [ParameterDerivative] {
        let current = LoadContext.value(x, control)
        return [ParameterDerivative(name + "_gain", [(a, current), (b, -current)])]
    }
}
