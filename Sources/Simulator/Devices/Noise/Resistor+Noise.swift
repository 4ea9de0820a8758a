/// Thermal noise of a resistor: `S_i = 4kT/R` (A²/Hz) between its nodes, at the circuit temperature.
extension Resistor: NoiseSource {
    func noiseGenerators(x: [Double], state: [Double], kelvin: Double) -> [NoiseGenerator] {
        [.thermal(name, a, b, conductance: abs(conductance), kelvin: kelvin)]
    }
}
