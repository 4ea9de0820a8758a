/// Gear-2 (BDF2) with variable steps. With `h = t_n − t_{n−1}` and `ω = h / (t_{n−1} − t_{n−2})`:
///
///     Q̇_n = [ (1+2ω)/(1+ω)·Q_n − (1+ω)·Q_{n−1} + ω²/(1+ω)·Q_{n−2} ] / h
///
/// (for equal steps `(3Q_n − 4Q_{n−1} + Q_{n−2}) / 2h`). Second order, L-stable (damps ringing).
/// Local error constant `2/9` (SPICE's `gearCoeff[1]`).
struct Gear2: Integrator {
    var order: Int { 2 }
    var errorConstant: Double { 2.0 / 9.0 }

    func formula(steps: [Double]) -> DerivativeFormula {
        let h = steps[0]
        let previous = steps.count > 1 && steps[1] > 0 ? steps[1] : h
        let w = h / previous
        return DerivativeFormula(
            alpha: (1 + 2 * w) / ((1 + w) * h),
            pastCharges: [-(1 + w) / h, w * w / ((1 + w) * h)],
            pastDerivative: 0)
    }
}
