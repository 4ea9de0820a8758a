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
