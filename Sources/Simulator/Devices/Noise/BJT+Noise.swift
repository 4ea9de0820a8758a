import Foundation

/// BJT noise as ngspice's Gummel-Poon: thermal noise of RC, RB (the modulated base resistance at the
/// operating point) and RE, `4kT·G` each; collector shot noise `2q·|Ic|` (c'–e'), base shot noise
/// `2q·|Ib|` and flicker noise `KF·|Ib|^AF/f` (b'–e'); currents at the operating point (A).
extension BJT: NoiseSource {
    func noiseGenerators(x: [Double], state: [Double], kelvin: Double) -> [NoiseGenerator] {
        let s = stateBase
        let ic = state[s + 2], ib = state[s + 3]
        let p = parameters
        let temperature = vt * Physics.charge / Physics.boltzmann
        var generators: [NoiseGenerator] = []
        if collectorPrime != collector {
            generators.append(.thermal("\(name)_rc", collector, collectorPrime, conductance: p.gc, kelvin: temperature))
        }
        if basePrime != base {
            var gx = p.gb
            if p.modulatedBase { gx = evaluate(vbe: state[s], vbc: state[s + 1], gmin: 0).gx }
            generators.append(.thermal("\(name)_rb", base, basePrime, conductance: gx, kelvin: temperature))
        }
        if emitterPrime != emitter {
            generators.append(.thermal("\(name)_re", emitter, emitterPrime, conductance: p.ge, kelvin: temperature))
        }
        generators.append(.shot("\(name)_ic", collectorPrime, emitterPrime, current: ic))
        generators.append(.shot("\(name)_ib", basePrime, emitterPrime, current: ib))
        if p.kf != 0 {
            generators.append(
                NoiseGenerator(name: "\(name)_1overf", a: basePrime, b: emitterPrime, white: 0,
                               flicker: p.kf * Foundation.pow(max(abs(ib), 1e-38), p.af)))
        }
        return generators
    }
}
