/// A function given by its values on a grid, linear between grid points and constant (the end
/// values) outside: `f(v) = y_i + (v − x_i)·(y_{i+1} − y_i)/(x_{i+1} − x_i)` for `x_i ≤ v ≤ x_{i+1}`.
///
/// Characterised cells enter the tensor backend this way (transfer curves, the factors of a
/// separable fit, converters' clipping). Its derivative is the segment's slope inside the grid and
/// 0 outside, where the table clamps.
public struct PiecewiseLinear: Sendable, Equatable {
    /// Strictly increasing grid points.
    public let x: [Float]
    public let y: [Float]
    /// `1/Δx` when the grid is evenly spaced (to 1e-4 of a step), else nil (binary search).
    let inverseStep: Float?
    /// `(y_{i+1} − y_i)/(x_{i+1} − x_i)` per segment.
    let slopes: [Float]

    /// Checks that the grid has at least 2 strictly increasing finite points and as many finite values.
    public init(x: [Float], y: [Float]) throws {
        guard x.count >= 2, x.count == y.count else {
            throw TensorError.invalidTable("a piecewise-linear table needs ≥ 2 points and one value per point (got \(x.count) and \(y.count))")
        }
        guard x.allSatisfy(\.isFinite), y.allSatisfy(\.isFinite), zip(x, x.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw TensorError.invalidTable("grid points must be finite and strictly increasing, values finite")
        }
        self.x = x; self.y = y
        slopes = (0..<(x.count - 1)).map { (y[$0 + 1] - y[$0]) / (x[$0 + 1] - x[$0]) }
        let step = (x[x.count - 1] - x[0]) / Float(x.count - 1)
        let even = x.indices.allSatisfy { abs(x[$0] - (x[0] + Float($0) * step)) <= 1e-4 * step }
        inverseStep = even ? 1 / step : nil
    }

    /// The segment `i` (`x_i ≤ v < x_{i+1}`, clamped to the first and last) and the position in it.
    @inline(__always)
    func segment(_ v: Float) -> (index: Int, inside: Bool) {
        let n = x.count
        if !(v > x[0]) { return (0, false) }
        if !(v < x[n - 1]) { return (n - 2, v == x[n - 1]) }
        if let inverseStep {
            var i = Swift.min(Int((v - x[0]) * inverseStep), n - 2)
            // Rounding can put v one segment off at a grid point.
            if v < x[i] { i -= 1 } else if v >= x[i + 1], i < n - 2 { i += 1 }
            return (i, true)
        }
        var lo = 0, hi = n - 1
        while hi - lo > 1 {
            let mid = (lo + hi) >> 1
            if x[mid] <= v { lo = mid } else { hi = mid }
        }
        return (lo, true)
    }

    /// `f(v)`, interpolated from the nearer end of the segment (so that a grid point at 0 with
    /// value 0 makes small arguments exact: `x·1` is not computed as `−1 + (x + 1)`).
    public func callAsFunction(_ v: Float) -> Float {
        if v.isNaN { return v }
        let (i, inside) = segment(v)
        if !inside { return v <= x[0] ? y[0] : y[y.count - 1] }
        let slope = (y[i + 1] - y[i]) / (x[i + 1] - x[i])
        return v - x[i] <= x[i + 1] - v ? y[i] + (v - x[i]) * slope : y[i + 1] - (x[i + 1] - v) * slope
    }

    /// `f′(v)`: the segment's slope inside the grid, 0 outside.
    public func derivative(_ v: Float) -> Float {
        let (i, inside) = segment(v)
        return inside ? (y[i + 1] - y[i]) / (x[i + 1] - x[i]) : 0
    }
}

/// The gradient a table look-up passes back.
public enum LookupGradient: Sendable, Equatable {
    /// The interpolant's exact derivative (its segment's slope; 0 outside the grid).
    case slope
    /// Straight-through: a constant `gain` inside the grid, 0 outside (where the table clamps).
    case straightThrough(gain: Float)
}

extension Tensor {
    /// Element-wise `table(x)`, differentiable as `gradient` says.
    public func lookup(_ table: PiecewiseLinear, gradient: LookupGradient = .slope) -> Tensor {
        let out = TensorStorage(uninitializedCount: count)
        LookupKernels.forward(table, storage.base, out.base, count: count)
        return Tensor.record(out, shape: shape, inputs: [self]) {
            .lookup(input: self.detached(), table: table, gradient: gradient)
        }
    }
}
