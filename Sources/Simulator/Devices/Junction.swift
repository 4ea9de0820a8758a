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
