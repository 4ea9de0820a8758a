/// `B_a = −I`, `B_b = +I`: `∂(F − B)/∂I` is +1 at `a`, −1 at `b`; `I·m` gives `∂/∂m = I·∂/∂I`.
extension CurrentSource: SensitivityParameters {
    static var sensitivityRank: Int { 4 }

    func parameterDerivatives(x: [Double]) -> [ParameterDerivative] {
        let dI = ParameterDerivative(name, [(a, 1), (b, -1)])
        return [dI, dI.scaled(dcValue, as: name + "_m")]
    }
}
