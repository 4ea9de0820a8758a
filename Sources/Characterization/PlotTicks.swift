import Foundation

/// Round axis ticks for the SVG plots (`kelvin characterize --show`, `kelvin plot`): 1, 2 or 5
/// times a power of ten apart, labelled with just the digits the spacing needs.
public enum PlotTicks {
    /// The spacing of about `target` intervals over `[lo, hi]`, rounded to 1, 2 or 5 × 10^k
    /// (never below `minimumStep`).
    public static func step(_ lo: Double, _ hi: Double, target: Int = 5, minimumStep: Double = 0) -> Double {
        let span = hi - lo
        guard span.isFinite, span > 0 else { return max(1, minimumStep) }
        let raw = span / Double(max(target, 1))
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        let normalised = raw / magnitude
        let nice: Double = normalised < 1.5 ? 1 : normalised < 3 ? 2 : normalised < 7 ? 5 : 10
        return max(nice * magnitude, minimumStep)
    }

    /// `[lo, hi]` widened outwards to multiples of `step`.
    public static func snapped(_ lo: Double, _ hi: Double, step: Double) -> (lo: Double, hi: Double) {
        guard step > 0, lo.isFinite, hi.isFinite else { return (lo, hi) }
        return ((lo / step * (1 + 1e-12)).rounded(.down) * step, (hi / step * (1 - 1e-12)).rounded(.up) * step)
    }

    /// The multiples of `step` inside `[lo, hi]` (at most 100; none for a degenerate range).
    public static func values(_ lo: Double, _ hi: Double, step: Double) -> [Double] {
        guard step > 0, lo.isFinite, hi.isFinite, hi >= lo, (hi - lo) / step <= 100 else { return [] }
        var out: [Double] = []
        var k = (lo / step - 1e-9).rounded(.up)
        while k * step <= hi + 1e-9 * step {
            let v = k * step
            out.append(abs(v) < 1e-9 * step ? 0 : v)
            k += 1
        }
        return out
    }

    /// `value` printed with the decimals `step` needs (`0.05` apart: two decimals), in
    /// exponent form for very large or small magnitudes.
    public static func label(_ value: Double, step: Double) -> String {
        guard value.isFinite, step > 0 else { return String(format: "%g", value) }
        if value == 0 { return "0" }
        let stepExponent = Int(log10(step).rounded(.down))
        let valueExponent = Int(log10(abs(value)).rounded(.down))
        if valueExponent >= 6 || stepExponent <= -5 {
            let digits = max(0, valueExponent - stepExponent)
            return String(format: "%.\(digits)e", value)
        }
        return String(format: "%.\(max(0, -stepExponent))f", value)
    }
}
