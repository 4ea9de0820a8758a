import Foundation

/// Level-1 MOSFET noise as ngspice-39's: thermal noise of RD and RS, channel thermal noise
/// `4kT·(2/3)·|gm| = 8kT·gm/3` and flicker noise `KF·|Id|^AF/(f·m·W·Leff·Cox'²)` (d'–s'), with `gm`
/// (S) and `Id` (A) at the operating point, `Cox' = 3.9·ε0/TOX` (F/m², TOX default 1e-7 m), W and
/// `Leff` in m.
extension MOSFET: NoiseSource {
    func noiseGenerators(x: [Double], state: [Double], kelvin: Double) -> [NoiseGenerator] {
        let s = stateBase
        let id = state[s + 4], gm = state[s + 5]
        let temperature = vt * Physics.charge / Physics.boltzmann
        var generators: [NoiseGenerator] = []
        if drainPrime != drain {
            generators.append(.thermal("\(name)_rd", drainPrime, drain, conductance: gDrain, kelvin: temperature))
        }
        if sourcePrime != source {
            generators.append(.thermal("\(name)_rs", sourcePrime, source, conductance: gSource, kelvin: temperature))
        }
        generators.append(.thermal("\(name)_id", drainPrime, sourcePrime, conductance: 2.0 / 3 * abs(gm), kelvin: temperature))
        if flickerCoefficient != 0 {
            generators.append(
                NoiseGenerator(name: "\(name)_1overf", a: drainPrime, b: sourcePrime, white: 0,
                               flicker: flickerCoefficient * Foundation.pow(max(abs(id), 1e-38), flickerExponent)
                                   / flickerDivisor))
        }
        return generators
    }
}
