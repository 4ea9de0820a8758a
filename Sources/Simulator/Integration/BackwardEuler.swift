/// Backward Euler: `Q̇_n = (Q_n − Q_{n−1}) / h` (first order, L-stable).
///
/// Used for the first step and right after a breakpoint. Local error constant `1/2`.
struct BackwardEuler: Integrator {
    var order: Int { 1 }
    var errorConstant: Double { 0.5 }

    func formula(steps: [Double]) -> DerivativeFormula {
        let h = steps[0]
        return DerivativeFormula(alpha: 1 / h, pastCharges: [-1 / h], pastDerivative: 0)
    }
}
