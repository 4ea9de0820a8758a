import Foundation

/// Diode noise as ngspice's: thermal noise of RS `4kT/RS` (anode–anode'), shot noise `2q·|I_d|` and
/// flicker noise `KF·|I_d|^AF/f` (anode'–cathode), with `I_d` the junction current at the operating
/// point (A) and `T` the diode's temperature (from its `Vt = kT/q`).
extension Diode: NoiseSource {
    func noiseGenerators(x: [Double], state: [Double], kelvin: Double) -> [NoiseGenerator] {
        let current = state[stateBase + 1]
        let temperature = vt * Physics.charge / Physics.boltzmann
        var generators: [NoiseGenerator] = []
        if anodePrime != anode {
            generators.append(.thermal("\(name)_rs", anode, anodePrime, conductance: seriesConductance, kelvin: temperature))
        }
        generators.append(.shot("\(name)_id", anodePrime, cathode, current: current))
        if flickerCoefficient != 0 {
            generators.append(
                NoiseGenerator(name: "\(name)_1overf", a: anodePrime, b: cathode, white: 0,
                               flicker: flickerCoefficient * Foundation.pow(max(abs(current), 1e-38), flickerExponent)))
        }
        return generators
    }
}
