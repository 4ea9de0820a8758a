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
        // Columns of the (possibly transposed) matrix, each of length mm.
        var a = [[Double]](repeating: [Double](repeating: 0, count: mm), count: nn)
        for i in 0..<m {
            for j in 0..<n {
                if transposed { a[i][j] = values[i * n + j] } else { a[j][i] = values[i * n + j] }
            }
        }
        var vv = (0..<nn).map { k in (0..<nn).map { $0 == k ? 1.0 : 0.0 } }
        let eps = 1e-15
        for _ in 0..<80 {
            var rotated = false
            for p in 0..<max(0, nn - 1) {
                for q in (p + 1)..<nn {
                    var alpha = 0.0, beta = 0.0, gamma = 0.0
                    for k in 0..<mm {
                        alpha += a[p][k] * a[p][k]
                        beta += a[q][k] * a[q][k]
                        gamma += a[p][k] * a[q][k]
                    }
                    if gamma == 0 || abs(gamma) <= eps * (alpha * beta).squareRoot() { continue }
                    rotated = true
                    let zeta = (beta - alpha) / (2 * gamma)
                    let t = (zeta >= 0 ? 1.0 : -1.0) / (abs(zeta) + (1 + zeta * zeta).squareRoot())
                    let c = 1 / (1 + t * t).squareRoot()
                    let s = c * t
                    for k in 0..<mm {
                        let ap = a[p][k], aq = a[q][k]
                        a[p][k] = c * ap - s * aq
                        a[q][k] = s * ap + c * aq
                    }
                    for k in 0..<nn {
                        let vp = vv[p][k], vq = vv[q][k]
                        vv[p][k] = c * vp - s * vq
                        vv[q][k] = s * vp + c * vq
                    }
                }
            }
            if !rotated { break }
        }
        let sigma = a.map { col in col.reduce(0) { $0 + $1 * $1 }.squareRoot() }
        let order = (0..<nn).sorted { sigma[$0] > sigma[$1] }
        let left = order.map { p in sigma[p] > 0 ? a[p].map { $0 / sigma[p] } : [Double](repeating: 0, count: mm) }
        let right = order.map { vv[$0] }
        singularValues = order.map { sigma[$0] }
        // A = U Σ Vᵀ; for the transposed case Aᵀ = U' Σ V'ᵀ, so U = V', V = U'.
        u = transposed ? right : left
        v = transposed ? left : right
    }
}
