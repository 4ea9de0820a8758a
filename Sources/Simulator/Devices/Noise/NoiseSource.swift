/// One noise current generator between nodes `a` and `b`: a white part (thermal `4kT·G`, shot
/// `2q·|I|`) or a flicker part, with power spectral density `white + flicker/f` (A²/Hz).
///
/// A `.noise` analysis integrates each generator on its own (ngspice does), so a device returns its
/// white and flicker parts as separate generators.
struct NoiseGenerator: Sendable, Equatable {
    /// `device` plus ngspice's suffix (`r1`, `d1_id`, `q1_ib`, `m1_1overf`, ...).
    var name: String
    var a: Int
    var b: Int
    /// White density (A²/Hz).
    var white: Double
    /// Flicker coefficient (A²): the density at 1 Hz of a `1/f` part.
    var flicker: Double = 0

    /// The density (A²/Hz) at `frequency` (Hz).
    func density(at frequency: Double) -> Double { white + flicker / frequency }

    /// Thermal noise `4kT·G` (A²/Hz) of a conductance `g` (S) at `kelvin`.
    static func thermal(_ name: String, _ a: Int, _ b: Int, conductance g: Double, kelvin: Double) -> NoiseGenerator {
        NoiseGenerator(name: name, a: a, b: b, white: 4 * Physics.boltzmann * kelvin * g)
    }

    /// Shot noise `2q·|I|` (A²/Hz) of a current `i` (A).
    static func shot(_ name: String, _ a: Int, _ b: Int, current i: Double) -> NoiseGenerator {
        NoiseGenerator(name: name, a: a, b: b, white: 2 * Physics.charge * abs(i))
    }
}

/// A device with noise generators at its operating point (`.noise`).
protocol NoiseSource {
    /// The generators at the operating point `x` with device `state` from the load there;
    /// `kelvin` is the circuit temperature (a device with its own temperature uses that).
    func noiseGenerators(x: [Double], state: [Double], kelvin: Double) -> [NoiseGenerator]
}
