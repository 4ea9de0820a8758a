/// An inductor is a short at DC: its parameters ngspice lists (`m`, `scale`) are 0.
extension Inductor: SensitivityParameters {
    static var sensitivityRank: Int { 3 }

    func parameterDerivatives(x: [Double]) -> [ParameterDerivative] {
        ["_m", "_scale"].map { ParameterDerivative(name + $0) }
    }
}
