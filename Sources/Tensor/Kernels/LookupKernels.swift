/// The table look-up kernels: `out[i] = table(x[i])` and `out[i] = g[i]·table′(x[i])`.
///
/// On an evenly spaced grid the segment is `i = min(⌊(clamp(v) − x₀)/Δx⌋, n − 2)`, computed
/// without a search; the argument is clamped to the grid first, so the ends need no branch
/// (`clamp(v) = x₀` gives `y₀`). Uneven grids search by bisection. Unsafe pointers are confined
/// here.
enum LookupKernels {
    static func forward(_ table: PiecewiseLinear, _ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, count n: Int) {
        table.x.withUnsafeBufferPointer { xs in
            table.y.withUnsafeBufferPointer { ys in
                table.slopes.withUnsafeBufferPointer { ss in
                    let x = xs.baseAddress!, y = ys.baseAddress!, s = ss.baseAddress!
                    let last = xs.count - 1, lo = x[0], hi = x[last]
                    if last == 1 {
                        // One segment (a clip): no index, so the loop vectorises.
                        let y0 = y[0], y1 = y[1], s0 = s[0]
                        Parallel.forRanges(n, grain: Kernels.parallelGrain) { r in
                            for k in r {
                                let c = Swift.min(Swift.max(src[k], lo), hi)
                                dst[k] = c - lo <= hi - c ? y0 + (c - lo) * s0 : y1 - (hi - c) * s0
                            }
                            for k in r where src[k].isNaN { dst[k] = src[k] }
                        }
                    } else if let inverse = table.inverseStep {
                        Parallel.forRanges(n, grain: Kernels.parallelGrain) { r in
                            for k in r {
                                let v = src[k]
                                let c = Swift.min(Swift.max(v, lo), hi)
                                let i = Swift.min(Int((c - lo) * inverse), last - 1)
                                // Interpolate from the nearer end of the segment (see PiecewiseLinear).
                                let left = y[i] + (c - x[i]) * s[i], right = y[i + 1] - (x[i + 1] - c) * s[i]
                                let out = c - x[i] <= x[i + 1] - c ? left : right
                                dst[k] = v.isNaN ? v : out
                            }
                        }
                    } else {
                        Parallel.forRanges(n, grain: Kernels.parallelGrain) { r in
                            for k in r { dst[k] = table(src[k]) }
                        }
                    }
                }
            }
        }
    }

    /// `dst[i] = g[i]·table′(x[i])` (`slope`) or `g[i]·gain` inside the grid (`straightThrough`); 0 outside.
    static func backward(_ table: PiecewiseLinear, _ gradient: LookupGradient, _ g: UnsafePointer<Float>, _ src: UnsafePointer<Float>,
                         _ dst: UnsafeMutablePointer<Float>, count n: Int) {
        table.x.withUnsafeBufferPointer { xs in
            table.slopes.withUnsafeBufferPointer { ss in
                let x = xs.baseAddress!, s = ss.baseAddress!
                let last = xs.count - 1, lo = x[0], hi = x[last]
                switch gradient {
                case .straightThrough(let gain):
                    Parallel.forRanges(n, grain: Kernels.parallelGrain) { r in
                        for k in r { let v = src[k]; dst[k] = v > lo && v <= hi ? g[k] * gain : 0 }
                    }
                case .slope:
                    if last == 1 {
                        let s0 = s[0]
                        Parallel.forRanges(n, grain: Kernels.parallelGrain) { r in
                            for k in r { let v = src[k]; dst[k] = v > lo && v <= hi ? g[k] * s0 : 0 }
                        }
                    } else if let inverse = table.inverseStep {
                        Parallel.forRanges(n, grain: Kernels.parallelGrain) { r in
                            for k in r {
                                let v = src[k]
                                let c = Swift.min(Swift.max(v, lo), hi)
                                var i = Swift.min(Int((c - lo) * inverse), last - 1)
                                // Rounding can put c one segment off at a grid point (as `segment`).
                                if c < x[i] { i -= 1 } else if c >= x[i + 1], i < last - 1 { i += 1 }
                                dst[k] = v > lo && v <= hi ? g[k] * s[i] : 0
                            }
                        }
                    } else {
                        Parallel.forRanges(n, grain: Kernels.parallelGrain) { r in
                            for k in r { dst[k] = g[k] * table.derivative(src[k]) }
                        }
                    }
                }
            }
        }
    }
}
