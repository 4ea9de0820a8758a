/// One-sided (Hestenes) Jacobi SVD of a small dense matrix `A = U·Σ·Vᵀ`.
///
/// Works on the columns `a_p` of `A` (m ≥ n; a wide matrix is transposed first): for each pair
/// `(p, q)` with `α = a_p·a_p`, `β = a_q·a_q`, `γ = a_p·a_q`, the rotation `ζ = (β − α)/(2γ)`,
/// `t = sign(ζ)/(|ζ| + sqrt(1 + ζ²))`, `c = 1/sqrt(1 + t²)`, `s = c·t` makes the two columns
/// orthogonal; the same rotation accumulates into `V`. Sweeps repeat until every pair satisfies
/// `|γ| ≤ ε·sqrt(αβ)`. Then `σ_p = ‖a_p‖`, `u_p = a_p/σ_p`. Sorted by descending `σ`.
struct JacobiSVD {
    /// Singular values, descending, `min(m, n)` of them.
    var singularValues: [Double]
    /// Left singular vectors, `u[r]` of length m (rows).
    var u: [[Double]]
    /// Right singular vectors, `v[r]` of length n (columns).
    var v: [[Double]]

    /// `values` row-major, `rows × columns`.
    init(rows m: Int, columns n: Int, values: [Double]) {
        let transposed = m < n
        let (mm, nn) = transposed ? (n, m) : (m, n)
        // Columns of the (possibly transposed) matrix, column c at a[c·mm ..< (c+1)·mm], and of V
        // at v[c·nn ..< (c+1)·nn]: flat storage, rotated through pointers (nested arrays spent
        // most of the time in bounds and uniqueness checks).
        var a = [Double](repeating: 0, count: mm * nn)
        for i in 0..<m {
            for j in 0..<n {
                if transposed { a[i * mm + j] = values[i * n + j] } else { a[j * mm + i] = values[i * n + j] }
            }
        }
        var vv = [Double](repeating: 0, count: nn * nn)
        for k in 0..<nn { vv[k * nn + k] = 1 }
        a.withUnsafeMutableBufferPointer { a in
            vv.withUnsafeMutableBufferPointer { v in Self.rotate(a, mm: mm, nn: nn, v: v) }
        }
        let sigma = (0..<nn).map { p in a[(p * mm)..<((p + 1) * mm)].reduce(0) { $0 + $1 * $1 }.squareRoot() }
        let order = (0..<nn).sorted { sigma[$0] > sigma[$1] }
        let left = order.map { p in
            sigma[p] > 0 ? a[(p * mm)..<((p + 1) * mm)].map { $0 / sigma[p] } : [Double](repeating: 0, count: mm)
        }
        let right = order.map { Array(vv[($0 * nn)..<(($0 + 1) * nn)]) }
        singularValues = order.map { sigma[$0] }
        // A = U Σ Vᵀ; for the transposed case Aᵀ = U' Σ V'ᵀ, so U = V', V = U'.
        u = transposed ? right : left
        v = transposed ? left : right
    }

    /// The Jacobi sweeps (see the type's comment) over the `nn` columns of length `mm` in `a`,
    /// accumulating the rotations in the `nn × nn` columns of `v`.
    private static func rotate(
        _ a: UnsafeMutableBufferPointer<Double>, mm: Int, nn: Int, v: UnsafeMutableBufferPointer<Double>
    ) {
        guard let a = a.baseAddress, let v = v.baseAddress else { return }
        let eps = 1e-15
        for _ in 0..<80 {
            var rotated = false
            for p in 0..<max(0, nn - 1) {
                for q in (p + 1)..<nn {
                    let ap = a + p * mm, aq = a + q * mm
                    var alpha = 0.0, beta = 0.0, gamma = 0.0
                    for k in 0..<mm {
                        alpha += ap[k] * ap[k]
                        beta += aq[k] * aq[k]
                        gamma += ap[k] * aq[k]
                    }
                    if gamma == 0 || abs(gamma) <= eps * (alpha * beta).squareRoot() { continue }
                    rotated = true
                    let zeta = (beta - alpha) / (2 * gamma)
                    let t = (zeta >= 0 ? 1.0 : -1.0) / (abs(zeta) + (1 + zeta * zeta).squareRoot())
                    let c = 1 / (1 + t * t).squareRoot()
                    let s = c * t
                    for k in 0..<mm {
                        let x = ap[k], y = aq[k]
                        ap[k] = c * x - s * y
                        aq[k] = s * x + c * y
                    }
                    let vp = v + p * nn, vq = v + q * nn
                    for k in 0..<nn {
                        let x = vp[k], y = vq[k]
                        vp[k] = c * x - s * y
                        vq[k] = s * x + c * y
                    }
                }
            }
            if !rotated { break }
        }
    }
}
