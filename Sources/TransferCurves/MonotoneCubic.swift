/// Fritsch–Carlson monotone cubic Hermite interpolation of a 1-D table.
///
/// On `[x_k, x_{k+1}]` with `h = x_{k+1} − x_k`, `t = (x − x_k)/h`:
/// `f(x) = H00(t)·y_k + H10(t)·h·m_k + H01(t)·y_{k+1} + H11(t)·h·m_{k+1}` with the Hermite basis
/// `H00 = 2t³ − 3t² + 1`, `H10 = t³ − 2t² + t`, `H01 = −2t³ + 3t²`, `H11 = t³ − t²`.
/// Slopes (Fritsch & Carlson 1980): secants `δ_k = (y_{k+1} − y_k)/h_k`; `m_0 = δ_0`,
/// `m_{n−1} = δ_{n−2}`; inside `m_k = (δ_{k−1} + δ_k)/2`, or 0 where the secants change sign;
/// `m_k = m_{k+1} = 0` on a flat interval; and where `α² + β² > 9` (`α = m_k/δ_k`, `β = m_{k+1}/δ_k`)
/// both are scaled by `τ = 3/sqrt(α² + β²)`. The result is C¹, reproduces straight lines exactly,
/// interpolates the samples, and is monotone on every interval where the data are — no overshoot at
/// a saturation knee. Outside the grid the value is held at the nearest end sample (a cell's output
/// beyond its characterised range is not known; clamping never invents gain).
public struct MonotoneCubic: Sendable, Equatable {
    public let x: [Double]
    public let y: [Double]
    /// Hermite slopes `m_k` at the samples.
    public let slopes: [Double]

    /// Needs ≥ 2 strictly increasing finite `x` and finite `y` of the same length.
    public init(x: [Double], y: [Double]) throws {
        guard x.count >= 2, x.count == y.count else {
            throw TransferCurvesError.invalidTable(reason: "monotone cubic needs ≥ 2 points and equal lengths")
        }
        guard x.allSatisfy(\.isFinite), y.allSatisfy(\.isFinite), zip(x, x.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw TransferCurvesError.invalidTable(reason: "monotone cubic needs finite values and increasing x")
        }
        let n = x.count
        var delta = [Double](repeating: 0, count: n - 1)
        for k in 0..<(n - 1) { delta[k] = (y[k + 1] - y[k]) / (x[k + 1] - x[k]) }
        var m = [Double](repeating: 0, count: n)
        m[0] = delta[0]
        m[n - 1] = delta[n - 2]
        for k in 1..<(n - 1) {
            m[k] = delta[k - 1] * delta[k] <= 0 ? 0 : (delta[k - 1] + delta[k]) / 2
        }
        for k in 0..<(n - 1) {
            if delta[k] == 0 {
                m[k] = 0
                m[k + 1] = 0
                continue
            }
            let alpha = m[k] / delta[k], beta = m[k + 1] / delta[k]
            let s = alpha * alpha + beta * beta
            if s > 9 {
                let tau = 3 / s.squareRoot()
                m[k] = tau * alpha * delta[k]
                m[k + 1] = tau * beta * delta[k]
            }
        }
        self.x = x
        self.y = y
        self.slopes = m
    }

    /// The interval `k` with `x_k ≤ v ≤ x_{k+1}` (binary search), for `v` inside the grid.
    func interval(_ v: Double) -> Int {
        var lo = 0, hi = x.count - 1
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if x[mid] <= v { lo = mid } else { hi = mid }
        }
        return lo
    }

    /// `f(v)`; clamped to the end samples outside `[x_0, x_{n−1}]`.
    public func callAsFunction(_ v: Double) -> Double {
        if v <= x[0] { return y[0] }
        if v >= x[x.count - 1] { return y[y.count - 1] }
        let k = interval(v)
        let h = x[k + 1] - x[k]
        let t = (v - x[k]) / h
        let t2: Double = t * t
        let t3: Double = t2 * t
        let h00: Double = 2 * t3 - 3 * t2 + 1
        let h10: Double = t3 - 2 * t2 + t
        let h01: Double = 3 * t2 - 2 * t3
        let h11: Double = t3 - t2
        return h00 * y[k] + h10 * h * slopes[k] + h01 * y[k + 1] + h11 * h * slopes[k + 1]
    }

    /// `df/dx` at `v` (0 outside the grid, where the value is clamped).
    public func derivative(_ v: Double) -> Double {
        if v < x[0] || v > x[x.count - 1] { return 0 }
        let k = min(interval(v), x.count - 2)
        let h = x[k + 1] - x[k]
        let t = (v - x[k]) / h
        let t2: Double = t * t
        let d00: Double = (6 * t2 - 6 * t) / h
        let d10: Double = 3 * t2 - 4 * t + 1
        let d11: Double = 3 * t2 - 2 * t
        return d00 * (y[k] - y[k + 1]) + d10 * slopes[k] + d11 * slopes[k + 1]
    }
}
