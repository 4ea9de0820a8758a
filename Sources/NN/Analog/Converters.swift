import Tensor

/// Data converters at the analog/digital boundaries.
public enum Converters {
    /// A `bits`-bit converter over `[lo, hi]`: `q(v) = lo + Δ·round((clip(v) − lo)/Δ)` (ties to even),
    /// `Δ = (hi − lo)/(2^bits − 1)`, so both ends are levels. The gradient is straight-through
    /// inside the range and 0 outside, where the converter clips.
    public static func quantize(_ v: Tensor, lo: Float, hi: Float, bits: Int) -> Tensor {
        guard hi > lo, let clip = try? PiecewiseLinear(x: [lo, hi], y: [lo, hi]) else { return v }
        let clipped = v.lookup(clip)
        let step = (hi - lo) / Float((1 << bits) - 1)
        // The rounding error q(v) − clip(v), added as a constant: the gradient is the clip's.
        let error = clipped.withUnsafeBufferPointer { c in
            Tensor(shape: v.shape) { out in
                for i in 0..<c.count { out[i] = lo + step * ((c[i] - lo) / step).rounded(.toNearestOrEven) - c[i] }
            }
        }
        return clipped + error
    }
}
