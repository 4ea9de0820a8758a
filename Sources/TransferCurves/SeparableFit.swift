/// Low-rank separable expansion of a 2-D table: `f(x, w) ≈ Σ_{r<R} g_r(x)·h_r(w)`.
///
/// From the SVD of the grid matrix `F_ij = f(x_i, w_j) = Σ_r σ_r u_ir v_jr`, the factors are
/// `g_r(x_i) = σ_r·u_ir` and `h_r(w_j) = v_jr`. By Eckart–Young the truncation to rank `R` is the best
/// rank-`R` approximation in the Frobenius norm, with relative residual
/// `ρ_R = ‖F − F_R‖_F / ‖F‖_F = sqrt(Σ_{r≥R} σ_r²) / sqrt(Σ_r σ_r²)`. The rank is the smallest `R`
/// with `ρ_R ≤ target`. Between grid points `g_r` and `h_r` are interpolated linearly, so the fit
/// evaluated on the grid is exactly `F_R`. A layer's `Σ_k f(x_k, w_k)` then becomes `Σ_r G_r(X)·H_r(W)`:
/// `R` matrix products instead of per-element table look-ups (DESIGN.md).
///
/// The SVD is a one-sided Jacobi SVD written in Swift (`JacobiSVD`) rather than LAPACK `dgesdd`, so
/// that `TransferCurves` stays a leaf module that both the simulator and the tensor backend can use
/// without linking LAPACK; characterisation grids are at most a few hundred points per side, where
/// Jacobi costs milliseconds and gives singular values to high relative accuracy.
public struct SeparableFit: Sendable, Equatable {
    public var x: [Double]
    public var w: [Double]
    /// `g[r][i] = g_r(x_i)`.
    public var g: [[Double]]
    /// `h[r][j] = h_r(w_j)`.
    public var h: [[Double]]
    /// All singular values of the grid matrix, descending.
    public var singularValues: [Double]
    /// The relative residual target the rank was chosen for.
    public var target: Double
    /// `ρ_R`, the achieved relative Frobenius residual.
    public var relativeResidual: Double
    /// `max_ij |F_ij − F_R,ij|` on the grid, in the output's unit.
    public var maxAbsoluteError: Double

    public var rank: Int { g.count }

    public init(
        x: [Double], w: [Double], g: [[Double]], h: [[Double]], singularValues: [Double], target: Double,
        relativeResidual: Double, maxAbsoluteError: Double
    ) {
        self.x = x
        self.w = w
        self.g = g
        self.h = h
        self.singularValues = singularValues
        self.target = target
        self.relativeResidual = relativeResidual
        self.maxAbsoluteError = maxAbsoluteError
    }

    /// Fits `values` (`values[i·n_w + j] = f(x_i, w_j)`) with the smallest rank whose relative residual
    /// is at most `target` (at most `maxRank`, default `min(n_x, n_w)`).
    public static func fit(x: [Double], w: [Double], values: [Double], target: Double, maxRank: Int? = nil) throws
        -> SeparableFit
    {
        let nx = x.count, nw = w.count
        guard nx >= 1, nw >= 1, values.count == nx * nw, values.allSatisfy(\.isFinite) else {
            throw TransferCurvesError.invalidTable(reason: "separable fit needs nx·nw finite values")
        }
        guard target >= 0, target.isFinite else {
            throw TransferCurvesError.invalidTable(reason: "residual target must be ≥ 0")
        }
        let svd = JacobiSVD(rows: nx, columns: nw, values: values)
        let total = svd.singularValues.reduce(0) { $0 + $1 * $1 }
        let limit = min(maxRank ?? min(nx, nw), svd.singularValues.count)
        // tail[r] = Σ_{k ≥ r} σ_k²
        var tail = [Double](repeating: 0, count: svd.singularValues.count + 1)
        for k in stride(from: svd.singularValues.count - 1, through: 0, by: -1) {
            tail[k] = tail[k + 1] + svd.singularValues[k] * svd.singularValues[k]
        }
        var rank = limit
        for r in 0...limit where total == 0 || (tail[r] / total).squareRoot() <= target {
            rank = r
            break
        }
        let g = (0..<rank).map { r in svd.u[r].map { $0 * svd.singularValues[r] } }
        let h = (0..<rank).map { svd.v[$0] }
        var maxError = 0.0
        for i in 0..<nx {
            for j in 0..<nw {
                var s = 0.0
                for r in 0..<rank { s += g[r][i] * h[r][j] }
                maxError = max(maxError, abs(values[i * nw + j] - s))
            }
        }
        let residual = total == 0 ? 0 : (tail[rank] / total).squareRoot()
        return SeparableFit(
            x: x, w: w, g: g, h: h, singularValues: svd.singularValues, target: target, relativeResidual: residual,
            maxAbsoluteError: maxError)
    }

    /// `Σ_r g_r(x)·h_r(w)` with `g_r`, `h_r` linear between grid points and clamped outside.
    public func callAsFunction(_ xv: Double, _ wv: Double) -> Double {
        let (i, s) = BilinearSurface.locate(x, xv)
        let (j, t) = BilinearSurface.locate(w, wv)
        var sum = 0.0
        for r in 0..<rank {
            let gx = g[r][i] + s * (g[r][i + 1] - g[r][i])
            let hw = h[r][j] + t * (h[r][j + 1] - h[r][j])
            sum += gx * hw
        }
        return sum
    }
}

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
