/// E: `F_k −= A·(v_c − v_d)`: `∂/∂A = −(v_c − v_d)` on the branch row (`name_gain`).
extension VCVS: SensitivityParameters {
    static var sensitivityRank: Int { 7 }

    func parameterDerivatives(x: [Double]) -> [ParameterDerivative] {
        [ParameterDerivative(name + "_gain", [(branch, -(LoadContext.value(x, c) - LoadContext.value(x, d)))])]
    }
}
