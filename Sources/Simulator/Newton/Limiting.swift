import Foundation

/// Newton step limiting for device junctions.
enum Limiting {
    /// SPICE's p-n junction voltage limiting (`pnjlim`), in ngspice-39's form.
    ///
    /// Above the critical voltage `vcrit = n·Vt·ln(n·Vt / (√2·Is))` a forward step larger than `2·n·Vt`
    /// from a forward-biased `vold` is replaced by the logarithmic step
    /// `vold + n·Vt·(2 + ln((vnew − vold)/(n·Vt) − 2))` (`vold − n·Vt·(2 + ln(2 − (vnew − vold)/(n·Vt)))`
    /// for a large fall), from reverse bias by `n·Vt·ln(vnew/(n·Vt))`; this keeps `exp(v/(n·Vt))` from
    /// overflowing. A large reverse step is clipped to `−1 − vold` (from forward bias) or `2·vold − 1`.
    /// (ngspice-39 replaced SPICE3's `vold + n·Vt·ln(1 + (vnew − vold)/(n·Vt))`; its iteration counts
    /// on a strongly driven diode confirm the newer form.) Returns the limited voltage and whether it
    /// changed.
    static func pnjlim(_ vnew: Double, _ vold: Double, vte: Double, vcrit: Double) -> (Double, Bool) {
        if vnew > vcrit && abs(vnew - vold) > 2 * vte {
            if vold > 0 {
                let arg = (vnew - vold) / vte
                return (arg > 0 ? vold + vte * (2 + log(arg - 2)) : vold - vte * (2 + log(2 - arg)), true)
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
