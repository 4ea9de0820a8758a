/// Trapezoidal rule: `(Q̇_n + Q̇_{n−1}) / 2 = (Q_n − Q_{n−1}) / h`, so
/// `Q̇_n = 2/h · (Q_n − Q_{n−1}) − Q̇_{n−1}` (second order, A-stable, no numerical damping).
///
/// Local error constant `1/12` (SPICE's `trapCoeff[1]`).
struct Trapezoidal: Integrator {
    var order: Int { 2 }
    var errorConstant: Double { 1.0 / 12.0 }

    func formula(steps: [Double]) -> DerivativeFormula {
        let h = steps[0]
        return DerivativeFormula(alpha: 2 / h, pastCharges: [-2 / h], pastDerivative: -1)
    }
}
