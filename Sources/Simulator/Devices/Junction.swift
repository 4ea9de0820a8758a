import Foundation

/// p-n junction formulas shared by the BJT and MOSFET models (SPICE's depletion charge and the
/// ideal exponential with its reverse-bias extension).
enum Junction {
    /// Depletion charge (C) and capacitance (F) of a junction with zero-bias capacitance `cj` (F),
    /// built-in potential `vj` (V), grading `m` and forward-bias coefficient `fc`.
    ///
    /// Below `fc·vj`: `C = cj·(1 − v/vj)^(−m)`, `q = vj·cj·(1 − (1 − v/vj)^(1−m))/(1 − m)`.
    /// Above, the capacitance continues linearly:
    /// `C = cj/(1 − fc)^(1+m) · (1 − fc·(1 + m) + m·v/vj)` with `q` its integral, continuous at `fc·vj`.
    static func depletion(_ v: Double, cj: Double, vj: Double, m: Double, fc: Double) -> (q: Double, c: Double) {
        guard cj != 0 else { return (0, 0) }
        if v < fc * vj {
            let arg = 1 - v / vj
            let sarg = exp(-m * log(arg))
            return (vj * cj * (1 - arg * sarg) / (1 - m), cj * sarg)
        }
        let f1 = vj * (1 - exp((1 - m) * log(1 - fc))) / (1 - m)
        let f2 = exp((1 + m) * log(1 - fc))
        let f3 = 1 - fc * (1 + m)
        let vdep = fc * vj
        let q = cj * f1 + cj / f2 * (f3 * (v - vdep) + m / (2 * vj) * (v * v - vdep * vdep))
        return (q, cj / f2 * (f3 + m * v / vj))
    }

    /// Ideal junction current `Is·(exp(v/vte) − 1)` (A) and its conductance (S); below `−3·vte` the
    /// SPICE reverse extension `−Is·(1 + (3·vte/(e·v))³)`, which tends to `−Is` smoothly.
    static func current(_ v: Double, isat: Double, vte: Double) -> (i: Double, g: Double) {
        guard isat != 0 else { return (0, 0) }
        if v >= -3 * vte {
            let e = exp(v / vte)
            return (isat * (e - 1), isat * e / vte)
        }
        var arg = 3 * vte / (v * M_E)
        arg = arg * arg * arg
        return (-isat * (1 + arg), isat * 3 * arg / v)
    }
}

/// SPICE's temperature scaling of junction potentials and depletion capacitances (ngspice's
/// `BJTtemp`/`MOS1temp`), with the silicon band gap `Eg(T) = 1.16 − 7.02e-4·T²/(T + 1108)` (eV).
///
/// With `Tref = 300.15 K`, `pbfact(T) = −2·Vt(T)·(1.5·ln(T/Tref) + q·(−Eg(T)/(2kT) + 1.1150877/(2k·Tref)))`:
/// `pbo = (VJ − pbfact(Tnom))/(Tnom/Tref)`, `VJ(T) = (T/Tref)·pbo + pbfact(T)`, and
/// `CJ(T) = CJ · (1 + M·(4e-4·(T − Tref) − (VJ(T) − pbo)/pbo)) / (1 + M·(4e-4·(Tnom − Tref) − (VJ − pbo)/pbo))`.
struct Temperature: Sendable {
    static let reference = 300.15
    let temp: Double, tnom: Double
    /// `kT/q` at `temp` (V).
    let vt: Double

    init(temp: Double, tnom: Double) {
        self.temp = temp
        self.tnom = tnom
        vt = Physics.boltzmann * temp / Physics.charge
    }

    /// `pbfact` (V) at temperature `t` (K).
    static func pbfact(_ t: Double) -> Double {
        let k = Physics.boltzmann, q = Physics.charge
        let egfet = 1.16 - (7.02e-4 * t * t) / (t + 1108)
        let arg = -egfet / (2 * k * t) + 1.1150877 / (k * (2 * reference))
        return -2 * (k * t / q) * (1.5 * log(t / reference) + q * arg)
    }

    /// Junction capacitance (F) and potential (V) at `temp`, given their values `cj`, `vj` at `tnom`.
    func junction(cj: Double, vj: Double, m: Double) -> (Double, Double) {
        let fact1 = tnom / Self.reference, fact2 = temp / Self.reference
        let pbo = (vj - Self.pbfact(tnom)) / fact1
        let gmaold = (vj - pbo) / pbo
        let potential = fact2 * pbo + Self.pbfact(temp)
        let gmanew = (potential - pbo) / pbo
        let cap = cj / (1 + m * (4e-4 * (tnom - Self.reference) - gmaold)) * (1 + m * (4e-4 * (temp - Self.reference) - gmanew))
        return (cap, potential)
    }
}
