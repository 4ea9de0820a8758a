/// A linear multistep formula for the charge derivative at the new time point `t_n`:
///
///     dQ/dt(t_n) ≈ α·Q_n + Σ_k β_k·Q_{n−k} + γ·Q̇_{n−1}
///
/// `α` and `β_k` in 1/s, `γ` dimensionless. The analysis keeps accepted charges `Q` (C, or Wb for
/// inductor flux rows) and derivatives `Q̇` (A, or V) per MNA row.
struct DerivativeFormula: Sendable {
    /// Coefficient of the unknown charge `Q_n` (1/s).
    var alpha: Double
    /// Coefficients of `Q_{n−1}`, `Q_{n−2}`, ... (1/s).
    var pastCharges: [Double]
    /// Coefficient of `Q̇_{n−1}`.
    var pastDerivative: Double

    /// The history term `Σ β_k·Q_{n−k} + γ·Q̇_{n−1}` per row, from `charges` (newest first:
    /// `Q_{n−1}`, `Q_{n−2}`, ...) and `derivative` (`Q̇_{n−1}`).
    func history(charges: [[Double]], derivative: [Double]) -> [Double] {
        guard let first = charges.first else { return [] }
        var h = Array(repeating: 0.0, count: first.count)
        for (k, beta) in pastCharges.enumerated() where beta != 0 {
            let q = charges[min(k, charges.count - 1)]
            for i in h.indices { h[i] += beta * q[i] }
        }
        if pastDerivative != 0 {
            for i in h.indices { h[i] += pastDerivative * derivative[i] }
        }
        return h
    }
}

/// An integration method: its order, its derivative formula for the present step sizes, and the
/// constant of its local truncation error (used with divided differences, as SPICE's `CKTterr`).
protocol Integrator: Sendable {
    /// Order of accuracy `p`: the local truncation error of `Q̇` is `C·h^p·Q^(p+1)`-like.
    var order: Int { get }
    /// Error constant `C` multiplying the `(p+1)`-th divided difference of `Q`.
    var errorConstant: Double { get }
    /// The formula for step sizes `steps` (s), newest first: `steps[0] = t_n − t_{n−1}`,
    /// `steps[1] = t_{n−1} − t_{n−2}`, ...
    func formula(steps: [Double]) -> DerivativeFormula
}

/// The methods `.options method=` selects; order 1 is always backward Euler.
enum IntegrationMethod: String, Sendable {
    case trapezoidal = "trap"
    case gear = "gear"

    /// From `.options method=...` (`trap`, `trapezoidal`, `gear`); unknown names give trapezoidal.
    init(option: String) {
        switch option.lowercased() {
        case "gear": self = .gear
        default: self = .trapezoidal
        }
    }

    /// The integrator of `order` (1 or 2) for this method.
    func integrator(order: Int) -> any Integrator {
        if order <= 1 { return BackwardEuler() }
        switch self {
        case .trapezoidal: return Trapezoidal()
        case .gear: return Gear2()
        }
    }
}
