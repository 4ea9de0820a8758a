import Foundation

/// Newton step limiting for device junctions.
enum Limiting {
    /// SPICE's p-n junction voltage limiting (`pnjlim`).
    ///
    /// Above the critical voltage `vcrit = n·Vt·ln(n·Vt / (√2·Is))` a large forward step is replaced by
    /// the logarithmic step `vold + n·Vt · ln(1 + (vnew − vold)/(n·Vt))`, which keeps `exp(v/(n·Vt))`
    /// from overflowing; a large reverse step is clipped to `−1 − vold` (from forward bias) or
    /// `2·vold − 1`. Returns the limited voltage and whether it changed.
    static func pnjlim(_ vnew: Double, _ vold: Double, vte: Double, vcrit: Double) -> (Double, Bool) {
        if vnew > vcrit && abs(vnew - vold) > 2 * vte {
            if vold > 0 {
                let arg = 1 + (vnew - vold) / vte
                return (arg > 0 ? vold + vte * log(arg) : vcrit, true)
            }
            return (vte * log(vnew / vte), true)
        }
        if vnew < 0 {
            let floor = vold > 0 ? -vold - 1 : 2 * vold - 1
            if vnew < floor { return (floor, true) }
        }
        return (vnew, false)
    }
}
