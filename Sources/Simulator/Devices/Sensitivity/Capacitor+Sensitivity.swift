/// A capacitor is open at DC: its parameters ngspice lists (`m`, `scale`, breakdown) are all 0.
extension Capacitor: SensitivityParameters {
    static var sensitivityRank: Int { 0 }

    func parameterDerivatives(x: [Double]) -> [ParameterDerivative] {
        [":bv_max", "_m", "_bv_max", "_scale"].map { ParameterDerivative(name + $0) }
    }
}
