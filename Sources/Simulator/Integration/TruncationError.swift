/// Charge-based local truncation error control, as SPICE's `CKTterr`.
///
/// For every MNA row with charge `Q` (C; Wb for inductor rows) the `(p+1)`-th divided difference
/// `D` of `Q` over the last `p+2` accepted points (the new one included) estimates `Q^(p+1)/(p+1)!`.
/// With the tolerance (A)
///
///     tol = max( abstol + reltol·max(|Q̇_n|, |Q̇_{n−1}|),  reltol·max(|Q_n|, |Q_{n−1}|, chgtol) / h )
///
/// the largest step the row allows is `(trtol·tol / max(abstol, C·|D|))^(1/p)` (s), `C` the
/// method's error constant. The new step is the smallest over rows, at most twice the present one.
struct TruncationError: Sendable {
    var reltol: Double
    var abstol: Double
    var chgtol: Double
    var trtol: Double

    /// The step (s) the error allows and the row that limits it (nil when no row has charge).
    ///
    /// - Parameters:
    ///   - charges: accepted `Q` per row, newest first (`Q_n`, `Q_{n−1}`, ...), at least `order + 2`.
    ///   - derivatives: `Q̇_n`, `Q̇_{n−1}` per row.
    ///   - steps: step sizes newest first (`h_n`, `h_{n−1}`, ...), at least `order + 1`.
    func allowedStep(
        charges: [[Double]], derivatives: [[Double]], steps: [Double], order: Int, errorConstant: Double
    ) -> (step: Double, row: Int?) {
        let h = steps[0]
        var best = Double.infinity
        var worstRow: Int?
        guard charges.count >= order + 2, let rows = charges.first?.count else { return (2 * h, nil) }
        var diff = Array(repeating: 0.0, count: order + 2)
        var span = Array(repeating: 0.0, count: order + 1)
        for i in 0..<rows {
            var any = false
            for k in 0...(order + 1) {
                diff[k] = charges[k][i]
                if diff[k] != 0 { any = true }
            }
            if !any { continue }
            // Divided differences over non-uniform steps.
            for k in 0...order { span[k] = steps[k] }
            var j = order
            while true {
                for k in 0...j { diff[k] = (diff[k] - diff[k + 1]) / span[k] }
                j -= 1
                if j < 0 { break }
                for k in 0...j { span[k] = span[k + 1] + steps[k] }
            }
            let qdot = max(abs(derivatives[0][i]), abs(derivatives.count > 1 ? derivatives[1][i] : 0))
            let currentTol = abstol + reltol * qdot
            let chargeTol = reltol * max(abs(charges[0][i]), abs(charges[1][i]), chgtol) / h
            let tol = max(currentTol, chargeTol)
            var del = trtol * tol / max(abstol, errorConstant * abs(diff[0]))
            if order == 2 { del = del.squareRoot() } else if order > 2 { del = pow(del, 1 / Double(order)) }
            if del < best {
                best = del
                worstRow = i
            }
        }
        return (min(2 * h, best), worstRow)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
