import Foundation

/// Partial sums of a tiled weight module and the gain per tile that keeps them in range.
///
/// A module of `T > 1` tiles forms, for output `o`, one partial sum per tile,
/// `z_o,t = Σ_{r ∈ t} w_or·x_r` (+ `b_o` on tile 1, which carries the bias rows), so that
/// `z_o = Σ_t z_o,t`. The column gain `β` is calibrated on `z_o` (`a_o·max|z_o| = h·rails`), but
/// tiles of opposite sign can each be much larger than their sum: at `a_o` a tile's column
/// circuit would have to reach `a_o·max|z_o,t|`, past the op-amps' ±11 V, and clip.
///
/// So each output's tile column circuits run at `γ_o·a_o` (their gain stages' feedback
/// `γ_o·RF`, gain `γ_o·G`), with
///
///     γ_o = min(1, h·rails / (a_o·max_{n,p,t} |z_o,t(n, p)|))
///
/// over the compiled images, and the partial-sum summer of output `o` restores the scale with
/// gains `1/γ_o` (input resistors `γ_o·RF_s`): `y_o = −Σ_t (1/γ_o)·p_o,t`. Partial sums then stay
/// within `h·rails` like the outputs; a column whose tiles fit keeps `γ_o = 1` (the library's unit
/// `summerT`). The summer's gain multiplies every tile's own error and its noise gain
/// `1 + T/γ_o`, so it is bounded by `maxTileGain`; beyond, the compile is refused.
extension WeightModule {
    /// The largest partial-sum summer gain `1/γ_o` the compiler uses.
    static let maxTileGain = 10.0

    /// `max_{n,p,t} |z_o,t(n, p)|` per output (numbers): `rows(n, p)` gives the rows' input
    /// values of image `n` at position `p` (input channel, ky, kx order).
    func largestPartialSums(images: Int, positions: Int, rows: (Int, Int) -> [Double]) -> [Double] {
        var largest = Array(repeating: 0.0, count: geometry.outChannels)
        let per = geometry.rowsPerChannel
        for n in 0..<images {
            for p in 0..<positions {
                let x = rows(n, p)
                for o in 0..<geometry.outChannels {
                    for (t, range) in tiles.enumerated() {
                        var z = t == 0 ? bias[o] : 0
                        for r in (range.lowerBound * per)..<(range.upperBound * per) { z += weights[o][r] * x[r] }
                        largest[o] = max(largest[o], abs(z))
                    }
                }
            }
        }
        return largest
    }

    /// `γ_o` for the largest partial sums `largest` (numbers) and the target swing `target`
    /// (`h·rails`, V): 1 where the tiles fit at `a_o`.
    func tileGains(largest: [Double], target: Double) -> [Double] {
        zip(outputScale, largest).map { a, z in a * z > target ? target / (a * z) : 1 }
    }

    /// The largest partial sum of any tile column circuit (V) on the compiled images, at the
    /// module's tile gains.
    func partialSumVolts(largest: [Double]) -> Double {
        zip(zip(outputScale, tileGain), largest).map { $0.0 * $0.1 * $1 }.max() ?? 0
    }
}
