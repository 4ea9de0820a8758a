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
        // Divided differences over non-uniform steps, one whole row vector at a time: the spans
        // depend only on the steps, so each level is a flat loop over rows (row by row through the
        // nested arrays cost ~800 instructions per row, 40% of a 1000-node RC ladder's run).
        var diff = (0...(order + 1)).map { charges[$0] }
        var active = Array(repeating: false, count: rows)
        active.withUnsafeMutableBufferPointer { a in
            for k in 0...(order + 1) {
                diff[k].withUnsafeBufferPointer { column in
                    for i in 0..<rows where column[i] != 0 { a[i] = true }
                }
            }
        }
        var span = Array(steps[0...order])
        var j = order
        while true {
            for k in 0...j {
                let next = diff[k + 1]
                let width = span[k]
                diff[k].withUnsafeMutableBufferPointer { d in
                    next.withUnsafeBufferPointer { n in
                        for i in 0..<rows { d[i] = (d[i] - n[i]) / width }
                    }
                }
            }
            j -= 1
            if j < 0 { break }
            for k in 0...j { span[k] = span[k + 1] + steps[k] }
        }
        let leading = diff[0]
        let q0 = charges[0], q1 = charges[1]
        let d0 = derivatives[0]
        let d1 = derivatives.count > 1 ? derivatives[1] : d0.map { _ in 0 }
        let (abstol, reltol, chgtol, trtol) = (abstol, reltol, chgtol, trtol)
        // Flat loop over raw buffers (no bounds checks): ~45% of this function's instructions
        // before (1000-node RC ladder).
        withUnsafeBuffers(leading, q0, q1, d0, d1, active) { leading, q0, q1, d0, d1, active in
            for i in 0..<rows where active[i] {
                let qdot = max(abs(d0[i]), abs(d1[i]))
                let currentTol = abstol + reltol * qdot
                let chargeTol = reltol * max(abs(q0[i]), abs(q1[i]), chgtol) / h
                let tol = max(currentTol, chargeTol)
                var del = trtol * tol / max(abstol, errorConstant * abs(leading[i]))
                if order == 2 { del = del.squareRoot() } else if order > 2 { del = pow(del, 1 / Double(order)) }
                if del < best {
                    best = del
                    worstRow = i
                }
            }
        }
        return (min(2 * h, best), worstRow)
    }
}

/// Runs `body` with raw read-only views of six arrays (each at least as long as the loop needs).
@inline(__always)
private func withUnsafeBuffers<R>(
    _ a: [Double], _ b: [Double], _ c: [Double], _ d: [Double], _ e: [Double], _ f: [Bool],
    _ body: (UnsafeBufferPointer<Double>, UnsafeBufferPointer<Double>, UnsafeBufferPointer<Double>,
             UnsafeBufferPointer<Double>, UnsafeBufferPointer<Double>, UnsafeBufferPointer<Bool>) -> R
) -> R {
    a.withUnsafeBufferPointer { a in
        b.withUnsafeBufferPointer { b in
            c.withUnsafeBufferPointer { c in
                d.withUnsafeBufferPointer { d in
                    e.withUnsafeBufferPointer { e in
                        f.withUnsafeBufferPointer { f in body(a, b, c, d, e, f) }
                    }
                }
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
