/// The integration terms a transient time point adds to Newton's linear system.
///
/// The circuit is `F(x) + dQ(x)/dt = B(t)`. An integrator replaces `dQ/dt` at `t_n` by
/// `α·Q(x) + h`, with `α` (1/s) and the history `h` (A, per row) built from earlier accepted points.
/// Each Newton iteration then solves `(dF/dx + α·dQ/dx)·Δx = B(t_n) − F(x) − α·Q(x) − h`.
/// With `α = 0` and no history (the transient's initial operating point) only the source time applies.
struct TransientTerms: Sendable {
    /// Time (s) at which independent sources are evaluated.
    var time: Double
    /// Coefficient of `Q(x)` in the derivative estimate (1/s).
    var alpha: Double
    /// History term per row (A or V); empty means all zero.
    var history: [Double]

    /// Adds `α·dQ/dx` to the Jacobian values and `−(α·Q + h)` to the right-hand side.
    func apply(_ buffer: LoadBuffer, values: inout [Double], rhs: inout [Double]) {
        guard alpha != 0 else { return }
        for k in values.indices { values[k] += alpha * buffer.jacobianQ[k] }
        if history.isEmpty {
            for i in rhs.indices { rhs[i] -= alpha * buffer.q[i] }
        } else {
            for i in rhs.indices { rhs[i] -= alpha * buffer.q[i] + history[i] }
        }
    }
}
