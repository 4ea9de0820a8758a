/// Switch noise as ngspice's: thermal noise `4kT·g` of the present conductance (`1/RON` on,
/// `1/ROFF` off, as at the operating point) between the switch's nodes, at the circuit temperature.
extension VoltageSwitch: NoiseSource {
    func noiseGenerators(x: [Double], state: [Double], kelvin: Double) -> [NoiseGenerator] {
        let g = state[stateBase] != 0 ? logic.onConductance : logic.offConductance
        return [.thermal(name, a, b, conductance: g, kelvin: kelvin)]
    }
}

extension CurrentSwitch: NoiseSource {
    func noiseGenerators(x: [Double], state: [Double], kelvin: Double) -> [NoiseGenerator] {
        let g = state[stateBase] != 0 ? logic.onConductance : logic.offConductance
        return [.thermal(name, a, b, conductance: g, kelvin: kelvin)]
    }
}
