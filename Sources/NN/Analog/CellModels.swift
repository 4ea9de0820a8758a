import Tensor
import TransferCurves

/// A characterised multiply cell `f(x, w)` (x: input volts, w: weight volts; output volts) as the
/// tensor backend computes with it: the separable fit `f ≈ Σ_r g_r(x)·h_r(w)` as piecewise-linear
/// factors, the ranges the mapping may use and the cell's small-signal gain.
///
/// **Mapping.** Inputs map to `x_v = x_c + s_x·x` with `x_c = 0` when the x range contains 0
/// (half-range `X = min(−x_lo, x_hi)`), else its midpoint (`X = (x_hi − x_lo)/2`): a signed input
/// rides on an offset. A signed weight is a differential pair about the w range's midpoint `w_c`:
/// `w± = w_c ± s_w·w/2`, within `[w_c − W, w_c + W]`, `W = (w_hi − w_lo)/2`. A cell pair then gives
/// `D(x_v, w) = [f(x_v, w⁺) − f(x_c, w⁺)] − [f(x_v, w⁻) − f(x_c, w⁻)]`; the `f(x_c, ·)` terms are the
/// reference row (the output with the input at its offset), so a zero input (and padding) adds 0.
///
/// **Gain.** `κ` is the least-squares slope of `D` against `(x_v − x_c)·(w⁺ − w⁻)` over the
/// mapped ranges (a 9×9 grid): for an ideal multiplier `f = x·w`, `κ = 1`. A layer's column sum
/// `Y = Σ_k D_k` is converted back by `y = Y/(κ·β·s_x·s_w)`, so the cell's nonlinearity is not
/// calibrated away, only its gain.
struct MultiplyCell: Sendable {
    var g: [PiecewiseLinear]
    var h: [PiecewiseLinear]
    /// `g_r(x_c)`.
    var gCenter: [Float]
    var xCenter: Float, xHalf: Float
    var wCenter: Float, wHalf: Float
    var kappa: Float
    var rank: Int { g.count }
    /// The relative Frobenius residual of the fit at this rank.
    var residual: Double
    /// Mean slopes `(g_r(x_hi) − g_r(x_lo))/(x_hi − x_lo)` and likewise for `h_r` (straight-through gradients).
    var gSlope: [Float], hSlope: [Float]
    /// Monte Carlo gain and offset per simulated instance (nil: not characterised).
    var mismatch: (gain: [Float], offset: [Float])?
    var energyPerOperation: Double?
    /// The units of the x and w axes (`V`, `A`, or empty for a swept parameter such as a conductance ratio).
    var units = (x: "V", w: "V")

    /// The exact product `f(x, w) = x·w` on `[−1, 1]²` (rank 1, no residual; grid points at 0 so
    /// that the interpolation is exact in floating point).
    static func ideal() -> MultiplyCell {
        let line = try! PiecewiseLinear(x: [-1, 0, 1], y: [-1, 0, 1])
        return MultiplyCell(g: [line], h: [line], gCenter: [0], xCenter: 0, xHalf: 1, wCenter: 0, wHalf: 1, kappa: 1,
                            residual: 0, gSlope: [1], hSlope: [1], mismatch: nil, energyPerOperation: nil)
    }

    /// The cell of a 2-D table, using at most `rank` terms of its fit; refuses a fit whose residual at
    /// that rank exceeds `tolerance`.
    init(table: LookupTable, name: String, rank: Int?, tolerance: Double) throws {
        guard table.dimension == 2 else {
            throw NNError.invalidArgument("table '\(name)' is 1-D; a multiply cell needs a 2-D table f(x, w)")
        }
        let stored = try table.separableFit
            ?? SeparableFit.fit(x: table.axes[0].values, w: table.axes[1].values, values: table.values, target: tolerance)
        let r = max(1, min(rank ?? stored.rank, stored.singularValues.count))
        let full = r == stored.rank
            ? stored : try SeparableFit.fit(x: stored.x, w: stored.w, values: table.values, target: 0, maxRank: r)
        residual = full.relativeResidual
        guard residual <= tolerance else {
            throw NNError.invalidArgument(String(
                format: "table '%@': separable fit residual %.4g at rank %d exceeds the profile's tolerance %.4g",
                name, residual, full.rank, tolerance))
        }
        let xs = full.x.map(Float.init), ws = full.w.map(Float.init)
        g = try (0..<r).map { try PiecewiseLinear(x: xs, y: full.g[$0].map(Float.init)) }
        h = try (0..<r).map { try PiecewiseLinear(x: ws, y: full.h[$0].map(Float.init)) }
        let (xlo, xhi) = (xs[0], xs[xs.count - 1]), (wlo, whi) = (ws[0], ws[ws.count - 1])
        let center: Float = xlo < 0 && xhi > 0 ? 0 : (xlo + xhi) / 2
        xCenter = center
        xHalf = xlo < 0 && xhi > 0 ? min(-xlo, xhi) : (xhi - xlo) / 2
        wCenter = (wlo + whi) / 2; wHalf = (whi - wlo) / 2
        let gs = g, hs = h
        gCenter = gs.map { $0(center) }
        gSlope = gs.map { ($0(xhi) - $0(xlo)) / (xhi - xlo) }
        hSlope = hs.map { ($0(whi) - $0(wlo)) / (whi - wlo) }
        kappa = 1
        if let mc = table.monteCarlo, !mc.gain.isEmpty {
            mismatch = (mc.gain.map(Float.init), mc.offset.map(Float.init))
        }
        energyPerOperation = table.dynamics?.energyPerOperation
        units = (table.axes[0].unit, table.axes[1].unit)
        kappa = try gain(name: name)
    }

    private init(g: [PiecewiseLinear], h: [PiecewiseLinear], gCenter: [Float], xCenter: Float, xHalf: Float, wCenter: Float,
                 wHalf: Float, kappa: Float, residual: Double, gSlope: [Float], hSlope: [Float],
                 mismatch: (gain: [Float], offset: [Float])?, energyPerOperation: Double?) {
        self.g = g; self.h = h; self.gCenter = gCenter; self.xCenter = xCenter; self.xHalf = xHalf
        self.wCenter = wCenter; self.wHalf = wHalf; self.kappa = kappa; self.residual = residual
        self.gSlope = gSlope; self.hSlope = hSlope; self.mismatch = mismatch; self.energyPerOperation = energyPerOperation
    }

    /// `f(x, w)` through the fit.
    func callAsFunction(_ x: Float, _ w: Float) -> Float {
        (0..<rank).reduce(0) { $0 + g[$1](x) * h[$1](w) }
    }

    /// The multiply of a resistive crossbar, `I = G·V`: `x·w` with the nominal ranges of `ideal()`
    /// (`x`, `w` in `[−1, 1]` after calibration) but no clipping of the weight side within ±1000, so
    /// that a device's read-back weight beyond the calibrated largest one is not cut.
    static func crossbar() -> MultiplyCell {
        var cell = ideal()
        cell.h = [try! PiecewiseLinear(x: [-1000, 0, 1000], y: [-1000, 0, 1000])]
        return cell
    }

    /// The least-squares `κ` (see the type's documentation).
    private func gain(name: String) throws -> Float {
        var num = 0.0, den = 0.0
        for i in 0...8 {
            let x = xCenter + xHalf * (Float(i) / 4 - 1)
            for j in 1...8 {
                let d = wHalf * Float(j) / 8
                let pair = (self(x, wCenter + d) - self(xCenter, wCenter + d)) - (self(x, wCenter - d) - self(xCenter, wCenter - d))
                let u = Double((x - xCenter) * 2 * d)
                num += Double(pair) * u; den += u * u
            }
        }
        let k = num / den
        guard k.isFinite, abs(k) > 1e-12 else {
            throw NNError.invalidArgument("table '\(name)': the cell's output does not depend on x·w (gain \(k)); it cannot multiply")
        }
        return Float(k)
    }
}

/// A characterised 1-D cell (summer, rectifier) normalised to unit slope and zero output at 0 V,
/// so that only its nonlinearity and its rails remain: `c(v) = (T(±v) − T(0))/k`, with `k` the
/// least-squares slope of `T(±v) − T(0)` over `v ∈ [0, V/2]` (V the table's half range on that
/// side), the sign `−` when the cell inverts its input (`invert`).
struct CurveCell: Sendable {
    var curve: PiecewiseLinear
    var energyPerOperation: Double?

    init(table: LookupTable, name: String, invert: Bool) throws {
        guard table.dimension == 1, let axis = table.axes.first else {
            throw NNError.invalidArgument("table '\(name)' is 2-D; a summer or activation needs a 1-D table")
        }
        let xs = axis.values.map(Float.init), ys = table.values.map(Float.init)
        let raw = try PiecewiseLinear(x: xs, y: ys)
        // Volts seen by the cell for v: −v when inverting.
        let points = invert ? xs.reversed().map { -$0 } : xs
        let values = points.map { raw(invert ? -$0 : $0) }
        let zero = raw(0)
        let side = invert ? -xs[0] : xs[xs.count - 1]
        var num = 0.0, den = 0.0
        for i in 1...16 {
            let v = side / 2 * Float(i) / 16
            num += Double(raw(invert ? -v : v) - zero) * Double(v); den += Double(v * v)
        }
        let k = Float(num / den)
        guard k.isFinite, abs(k) > 1e-6 else {
            throw NNError.invalidArgument("table '\(name)': no slope on the conducting side (k = \(k))")
        }
        curve = try PiecewiseLinear(x: points, y: values.map { ($0 - zero) / k })
        energyPerOperation = table.dynamics?.energyPerOperation
    }

    /// An ideal unit-gain cell: `clip(v, −rails, rails)`, or `max(0, v)` for a rectifier.
    init(idealRails rails: Float) { curve = try! PiecewiseLinear(x: [-rails, 0, rails], y: [-rails, 0, rails]) }
    init(idealRectifier range: Float) { curve = try! PiecewiseLinear(x: [-range, 0, range], y: [0, 0, range]) }

    /// The output level the cell reaches on both sides (the lower of its two rails), or on its
    /// one conducting side for a rectifier (whose other end is within 1 % of 0).
    var rails: Float {
        let lo = abs(curve.y[0]), hi = abs(curve.y[curve.y.count - 1])
        return min(lo, hi) <= 0.01 * max(lo, hi) ? max(lo, hi) : min(lo, hi)
    }
}
