/// H: `F_k −= r·i_c`: `∂/∂r = −i_c` on the branch row (`name_gain`).
extension CCVS: SensitivityParameters {
    static var sensitivityRank: Int { 2 }

    func parameterDerivatives(x: [Double]) -> [ParameterDerivative] {
        [ParameterDerivative(name + "_gain", [(branch, -LoadContext.value(x, control))])]
    }
}
