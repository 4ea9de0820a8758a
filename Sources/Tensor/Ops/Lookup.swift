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

/// A `bits`-bit converter over `[lo, hi]`: `q(v) = lo + Δ·rint((clip(v) − lo)/Δ)` (ties to even),
/// `Δ = (hi − lo)/(2^bits − 1)`, so both ends are levels. Its gradient is straight-through inside
/// `(lo, hi]` and 0 outside, where it clips.
public struct Converter: Sendable, Equatable {
    public let lo: Float, hi: Float
    public let bits: Int
    /// `Δ`.
    public let step: Float

    /// Nil unless `lo < hi` (finite) and `1 ≤ bits ≤ 24`.
    public init?(lo: Float, hi: Float, bits: Int) {
        guard lo.isFinite, hi.isFinite, lo < hi, (1...24).contains(bits) else { return nil }
        self.lo = lo; self.hi = hi; self.bits = bits
        step = (hi - lo) / Float((1 << bits) - 1)
    }

    /// `q(v)`.
    public func callAsFunction(_ v: Float) -> Float {
        lo + step * ((Swift.min(Swift.max(v, lo), hi) - lo) / step).rounded(.toNearestOrEven)
    }
}

/// A table look-up with per-channel scaling and converters around it, computed in one pass:
///
///     y = post[c]·Q_o(T(Q_i(scale[c]·x + shift[c])))
///
/// `c` the element's channel (axis 1 of `[N, C, …]`; a one-element array applies to every channel),
/// `Q_i`, `Q_o` optional converters, `T` the table. The gradient is the chain rule with each
/// converter straight-through inside its range (`Converter`):
/// `∂y/∂x = post[c]·[Q_o passes T(q)]·T′(q)·[Q_i passes u]·scale[c]`, `u = scale[c]·x + shift[c]`,
/// `q = Q_i(u)`. An analog column (offset, gain, summer curve, ADC, output scaling) or an input
/// path (DAC, then a cell's input curve) is one such stage instead of five element-wise passes.
public struct ChannelLookup: Sendable, Equatable {
    public var table: PiecewiseLinear
    public var scale: [Float] = [1]
    public var shift: [Float] = [0]
    public var post: [Float] = [1]
    public var input: Converter? = nil
    public var output: Converter? = nil
    public var gradient: LookupGradient = .slope

    public init(table: PiecewiseLinear, scale: [Float] = [1], shift: [Float] = [0], post: [Float] = [1],
                input: Converter? = nil, output: Converter? = nil, gradient: LookupGradient = .slope) {
        self.table = table; self.scale = scale; self.shift = shift; self.post = post
        self.input = input; self.output = output; self.gradient = gradient
    }

    /// A bare `table(x)`.
    var isPlain: Bool { scale == [1] && shift == [0] && post == [1] && input == nil && output == nil }

    /// The per-channel arrays expanded to `channels` (a one-element array repeated).
    func expanded(_ values: [Float], _ channels: Int) -> [Float] {
        values.count == channels ? values : [Float](repeating: values[0], count: channels)
    }

    /// `y` for one element of channel `c` (the reference the kernels follow; uneven grids use it).
    func callAsFunction(_ x: Float, channel c: Int) -> Float {
        guard !x.isNaN else { return x }
        let a = scale.count == 1 ? scale[0] : scale[c], b = shift.count == 1 ? shift[0] : shift[c]
        let p = post.count == 1 ? post[0] : post[c]
        var u = x * a + b
        if let input { u = input(u) }
        var w = table(u)
        if let output { w = output(w) }
        return p * w
    }

    /// `∂y/∂x` for one element of channel `c`.
    func derivative(_ x: Float, channel c: Int) -> Float {
        let a = scale.count == 1 ? scale[0] : scale[c], b = shift.count == 1 ? shift[0] : shift[c]
        let p = post.count == 1 ? post[0] : post[c]
        var u = x * a + b, pass: Float = 1
        if let input { pass = u > input.lo && u <= input.hi ? 1 : 0; u = input(u) }
        let inside = u > table.x[0] && u <= table.x[table.x.count - 1]
        var slope: Float = 0
        if inside { if case .straightThrough(let gain) = gradient { slope = gain } else { slope = table.derivative(u) } }
        if let output { let w = table(u); if !(w > output.lo && w <= output.hi) { pass = 0 } }
        return p * pass * slope * a
    }
}

extension Tensor {
    /// Element-wise `table(x)`, differentiable as `gradient` says.
    public func lookup(_ table: PiecewiseLinear, gradient: LookupGradient = .slope) -> Tensor {
        lookup(ChannelLookup(table: table, gradient: gradient))
    }

    /// The stage `map` (see `ChannelLookup`) applied to every element; per-channel arrays need a
    /// tensor of rank ≥ 2 with as many channels (axis 1).
    public func lookup(_ map: ChannelLookup) -> Tensor {
        let channels = rank >= 2 ? shape[1] : 1
        precondition([map.scale.count, map.shift.count, map.post.count].allSatisfy { $0 == 1 || ($0 == channels && rank >= 2) },
                     "ChannelLookup: per-channel arrays must have one value or one per channel (\(channels))")
        let out = TensorStorage(uninitializedCount: count)
        // The derivative is written in the same pass, only when a backward pass will need it.
        let derivative = node != nil && Autograd.isRecording ? TensorStorage(uninitializedCount: count) : nil
        LookupKernels.forward(map, storage.base, out.base, derivative: derivative?.base, shape: shape)
        return Tensor.record(out, shape: shape, inputs: [self]) {
            .lookup(derivative: Tensor(shape: shape, storage: derivative!))
        }
    }
}
