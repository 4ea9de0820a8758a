import Tensor

/// Data converters at the analog/digital boundaries.
public enum Converters {
    /// A `bits`-bit converter over `[lo, hi]`: `q(v) = lo + Δ·round((clip(v) − lo)/Δ)` (ties to even),
    /// `Δ = (hi − lo)/(2^bits − 1)`, so both ends are levels. The gradient is straight-through
    /// inside the range and 0 outside, where the converter clips (`Converter`; one look-up stage: the
    /// clip, then the converter on its output).
    public static func quantize(_ v: Tensor, lo: Float, hi: Float, bits: Int) -> Tensor {
        guard let converter = Converter(lo: lo, hi: hi, bits: bits), let clip = try? PiecewiseLinear(x: [lo, hi], y: [lo, hi]) else { return v }
        return v.lookup(ChannelLookup(table: clip, output: converter))
    }
}
