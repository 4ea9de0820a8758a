import Foundation

/// Diode noise as ngspice's: thermal noise of RS `4kT/RS` (anode–anode'), shot noise `2q·|I_d|` and
/// flicker noise `KF·|I_d|^AF/f` (anode'–cathode), with `I_d` the junction current at the operating
/// point (A) and `T` the diode's temperature (from its `Vt = kT/q`).
extension Diode: NoiseSource {
    func noiseGenerators(x: [Double], state: [Double], kelvin: Double) -> [NoiseGenerator] {
        let d = kernel
        let current = state[d.stateBase + 1]
        let temperature = d.vt * Physics.charge / Physics.boltzmann
        var generators: [NoiseGenerator] = []
        if d.anodePrime != d.anode {
            generators.append(.thermal("\(name)_rs", d.anode, d.anodePrime, conductance: d.seriesConductance, kelvin: temperature))
        }
        generators.append(.shot("\(name)_id", d.anodePrime, d.cathode, current: current))
        if d.flickerCoefficient != 0 {
            generators.append(
                NoiseGenerator(name: "\(name)_1overf", a: d.anodePrime, b: d.cathode, white: 0,
                               flicker: d.flickerCoefficient * Foundation.pow(max(abs(current), 1e-38), d.flickerExponent)))
        }
        return generators
    }
}
