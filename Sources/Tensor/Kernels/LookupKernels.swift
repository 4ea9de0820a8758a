import CKernels

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
                    if xs.count == 2 || table.inverseStep != nil {
                        // One segment (a clip) or an even grid: the C kernel (no search).
                        withUnsafePointer(to: CKTable(x: x, y: y, s: s, count: xs.count, inverse: table.inverseStep ?? 0)) { t in
                            Parallel.forRanges(n, grain: Kernels.parallelGrain) { r in
                                CK.kernels.lookup_forward!(t, src + r.lowerBound, dst + r.lowerBound, r.count)
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
                var straightThrough: Int32 = 0, gain: Float = 0
                if case .straightThrough(let value) = gradient { straightThrough = 1; gain = value }
                if straightThrough == 1 || xs.count == 2 || table.inverseStep != nil {
                    // The C kernel (`y` is not read).
                    withUnsafePointer(to: CKTable(x: x, y: x, s: s, count: xs.count, inverse: table.inverseStep ?? 0)) { t in
                        Parallel.forRanges(n, grain: Kernels.parallelGrain) { r in
                            CK.kernels.lookup_backward!(t, straightThrough, gain, g + r.lowerBound, src + r.lowerBound,
                                                        dst + r.lowerBound, r.count)
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
