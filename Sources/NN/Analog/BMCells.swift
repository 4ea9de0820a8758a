import Foundation
import Tensor
import TransferCurves

/// The cells of a bipolar-morphological layer (seed 003) as the tensor backend computes with them:
/// a log converter per input, trees of four-input max circuits, an exp converter per output term
/// (then the column summer and ADC of `AnalogProfile`). Each is characterised from netlists/ and
/// enters through its table; `nil` in `AnalogProfile` stands for the ideal function.
///
/// **Log.** The converter's table `T_L(v_i)`, `v_i ∈ [v_lo, v_hi]` (v > 0), is fitted by its ideal
/// law `T_L ≈ a·ln v + c` (least squares over the grid points); the analog natural log of a voltage is
/// `ℓ(v) = (T_L(v) − c)/a`, interpolated linearly in `u = ln v` between the grid points (a log
/// converter's table is sampled evenly in `ln v`) and constant outside `[ln v_lo, ln v_hi]`: the
/// converter's dynamic range, so an input below `v_lo` — zero included — reads as `v_lo`. A layer's
/// input `x ≥ 0` is applied as `v = s_x·x`, so `ln x ≈ ℓ(s_x·x) − ln s_x`.
struct LogCell: Sendable {
    /// `ℓ` over `u = ln v`.
    var curve: PiecewiseLinear
    var vLow: Float, vHigh: Float
    /// `|a|`: volts per unit of `ln` (the thermal voltage for a transdiode converter).
    var voltsPerUnit: Float
    /// Per Monte Carlo instance, the shift of `ℓ` in log units at mid-range, `((g − 1)·T_mid + o)/a`.
    var mismatch: [Float]?
    var energyPerOperation: Double?

    init(table: LookupTable, name: String) throws {
        guard table.dimension == 1, let axis = table.axes.first else {
            throw NNError.invalidArgument("table '\(name)' is 2-D; a log converter needs a 1-D table")
        }
        let xs = axis.values, ys = table.values
        guard let lo = xs.first, let hi = xs.last, lo > 0 else {
            throw NNError.invalidArgument("table '\(name)': a log converter's inputs must be > 0 (its grid starts at \(xs.first ?? 0))")
        }
        let us = xs.map { log($0) }
        let (a, c) = leastSquaresLine(us, ys)
        guard a.isFinite, abs(a) > 1e-6 else {
            throw NNError.invalidArgument("table '\(name)': the output does not follow ln(input) (slope \(a) per unit of ln)")
        }
        curve = try PiecewiseLinear(x: us.map(Float.init), y: ys.map { Float(($0 - c) / a) })
        vLow = Float(lo); vHigh = Float(hi); voltsPerUnit = Float(abs(a))
        if let mc = table.monteCarlo, !mc.gain.isEmpty {
            let mid = ys[ys.count / 2]
            mismatch = zip(mc.gain, mc.offset).map { Float(((($0 - 1) * mid) + $1) / a) }
        }
        energyPerOperation = table.dynamics?.energyPerOperation
    }
}

/// **Exp.** The converter's table `T_E(v)` (`T_E > 0`) fitted by `ln T_E ≈ b·v + d`. A log-domain
/// value `M` is applied as `v(M) = v* + (M − m₀)/b`, with `m₀` the layer's largest `M` on its
/// calibration batch and `v*` the input at which the fit reaches `h·max T_E` (h the headroom), so
/// `e^M ≈ T_E(v(M))·e^{m₀}/(h·max T_E)`: one curve over `M`, constant outside the table (saturation
/// above, the converter's floor below — a term 5 decades under the largest reads as that floor).
struct ExpCell: Sendable {
    var table: PiecewiseLinear
    var slope: Float, intercept: Float
    var top: Float
    /// Per Monte Carlo instance: gain and offset (volts) of the transfer curve.
    var mismatch: (gain: [Float], offset: [Float])?
    var energyPerOperation: Double?

    init(table: LookupTable, name: String) throws {
        guard table.dimension == 1, let axis = table.axes.first else {
            throw NNError.invalidArgument("table '\(name)' is 2-D; an exp converter needs a 1-D table")
        }
        guard table.values.allSatisfy({ $0 > 0 }) else {
            throw NNError.invalidArgument("table '\(name)': an exp converter's outputs must be > 0 over its grid")
        }
        let xs = axis.values, ys = table.values
        let (b, d) = leastSquaresLine(xs, ys.map { log($0) })
        guard b.isFinite, abs(b) > 1e-6 else {
            throw NNError.invalidArgument("table '\(name)': the output does not grow exponentially with the input (slope \(b))")
        }
        self.table = try PiecewiseLinear(x: xs.map(Float.init), y: ys.map(Float.init))
        slope = Float(b); intercept = Float(d); top = Float(ys.max()!)
        if let mc = table.monteCarlo, !mc.gain.isEmpty { mismatch = (mc.gain.map(Float.init), mc.offset.map(Float.init)) }
        energyPerOperation = table.dynamics?.energyPerOperation
    }

    /// The curve `M ↦ T_E(v(M))·e^{m₀}/(h·max T_E)` for a layer with largest value `m₀`
    /// (`scale = e^{m₀}`); nil when the mapped grid is not finite.
    func curve(scale: Float, headroom: Float) -> PiecewiseLinear? {
        let m0 = log(scale)
        let vStar = (log(headroom * top) - intercept) / slope
        let points = zip(table.x, table.y).map { (m0 + slope * ($0 - vStar), $1 * scale / (headroom * top)) }
            .sorted { $0.0 < $1.0 }
        return try? PiecewiseLinear(x: points.map(\.0), y: points.map(\.1))
    }
}

/// **Max.** A fan-in of n passes `⌈log₄ n⌉` levels of four-input max circuits; each level's output
/// falls short of its largest input by `δ`, the table's mean `v − T(v)` over the inputs where the
/// swept stage wins (`T(v) > v_held + 0.5 V` for the held input `v_held`, taken as the table's value
/// at its lowest input); in log units `δ/|a|` with `|a|` the log converter's volts per unit.
struct MaxCell: Sendable {
    var shortfall: Float
    var energyPerOperation: Double?

    init(table: LookupTable, name: String) throws {
        guard table.dimension == 1, let axis = table.axes.first else {
            throw NNError.invalidArgument("table '\(name)' is 2-D; a max circuit needs a 1-D table")
        }
        let held = table.values[0] + 0.5
        let winning = zip(axis.values, table.values).filter { $0.1 > held }
        guard !winning.isEmpty else {
            throw NNError.invalidArgument("table '\(name)': the swept input never wins the max (no output above \(held) V)")
        }
        shortfall = Float(winning.reduce(0) { $0 + ($1.0 - $1.1) } / Double(winning.count))
        energyPerOperation = table.dynamics?.energyPerOperation
    }

    /// Levels of four-input cells for a fan-in of `n`.
    static func levels(fanIn n: Int) -> Int {
        var levels = 0, width = n
        while width > 1 { width = (width + 3) / 4; levels += 1 }
        return levels
    }
}

/// The least-squares line `y ≈ slope·x + intercept`.
private func leastSquaresLine(_ x: [Double], _ y: [Double]) -> (slope: Double, intercept: Double) {
    let n = Double(x.count), mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
    var sxy = 0.0, sxx = 0.0
    for (a, b) in zip(x, y) { sxy += (a - mx) * (b - my); sxx += (a - mx) * (a - mx) }
    let slope = sxy / sxx
    return (slope, my - slope * mx)
}
