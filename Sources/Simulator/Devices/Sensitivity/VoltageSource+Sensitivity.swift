/// `F_k − B_k = v_a − v_b − V`: `∂/∂V = −1` on the branch row.
extension VoltageSource: SensitivityParameters {
    static var sensitivityRank: Int { 8 }

    func parameterDerivatives(x: [Double]) -> [ParameterDerivative] {
        [ParameterDerivative(name, [(branch, -1)])]
    }
}
