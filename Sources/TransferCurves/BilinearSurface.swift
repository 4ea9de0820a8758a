/// Bilinear interpolation of a 2-D table `f(x_i, w_j) = values[i·n_w + j]`.
///
/// In the cell `[x_i, x_{i+1}] × [w_j, w_{j+1}]` with `s = (x − x_i)/(x_{i+1} − x_i)`,
/// `t = (w − w_j)/(w_{j+1} − w_j)`: `f = (1−s)(1−t)·f_ij + s(1−t)·f_{i+1,j} + (1−s)t·f_{i,j+1} + st·f_{i+1,j+1}`.
/// Inputs outside the grid are clamped to it.
public struct BilinearSurface: Sendable, Equatable {
    public let x: [Double]
    public let w: [Double]
    public let values: [Double]

    public init(x: [Double], w: [Double], values: [Double]) throws {
        guard x.count >= 2, w.count >= 2, values.count == x.count * w.count else {
            throw TransferCurvesError.invalidTable(reason: "bilinear surface needs ≥ 2×2 points and nx·nw values")
        }
        guard zip(x, x.dropFirst()).allSatisfy({ $0 < $1 }), zip(w, w.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw TransferCurvesError.invalidTable(reason: "bilinear surface needs increasing axes")
        }
        self.x = x
        self.w = w
        self.values = values
    }

    public func callAsFunction(_ xv: Double, _ wv: Double) -> Double {
        let (i, s) = Self.locate(x, xv)
        let (j, t) = Self.locate(w, wv)
        let nw = w.count
        let f00 = values[i * nw + j], f10 = values[(i + 1) * nw + j]
        let f01 = values[i * nw + j + 1], f11 = values[(i + 1) * nw + j + 1]
        return (1 - s) * (1 - t) * f00 + s * (1 - t) * f10 + (1 - s) * t * f01 + s * t * f11
    }

    /// The interval index and the fraction within it, clamped to the grid.
    static func locate(_ grid: [Double], _ v: Double) -> (Int, Double) {
        let n = grid.count
        if !(v > grid[0]) { return (0, 0) }
        if v >= grid[n - 1] { return (n - 2, 1) }
        var lo = 0, hi = n - 1
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if grid[mid] <= v { lo = mid } else { hi = mid }
        }
        return (lo, (v - grid[lo]) / (grid[lo + 1] - grid[lo]))
    }
}
