import CKernels

/// The table look-up kernel: `y = map(x)` (a `ChannelLookup`) and, for the backward pass, its
/// derivative `∂y/∂x` written beside it in the same pass (the vector–Jacobian product is then
/// `g·∂y/∂x`, with no second trip through the table).
///
/// On an evenly spaced grid the nearest grid point `j = min(⌊(c − x₀)/Δx + ½⌋, n − 1)` of the
/// clamped argument `c` is computed without a search, and `T = y_j + (c − x_j)·s_k` with `s_k` the
/// slope of the segment holding `c` (the interpolation from that segment's nearer end; the ends
/// need no branch: `c = x₀` gives `y₀`). Uneven grids search by bisection (`ChannelLookup`'s scalar
/// definition). Unsafe pointers are confined here.
enum LookupKernels {
    /// `dst = map(src)` for a tensor of `shape`, and `derivative = ∂map/∂x (src)` when given.
    static func forward(_ map: ChannelLookup, _ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>,
                        derivative: UnsafeMutablePointer<Float>?, shape: [Int]) {
        let n = shape.reduce(1, *)
        let table = map.table
        let (planes, channels, size) = geometry(shape)
        guard table.x.count == 2 || table.inverseStep != nil else {
            // An uneven grid: the scalar definition.
            Parallel.forRanges(planes, grain: max(1, Kernels.parallelGrain / max(size, 1))) { r in
                for p in r {
                    for k in (p * size)..<((p + 1) * size) {
                        dst[k] = map(src[k], channel: p % channels)
                        derivative?[k] = map.derivative(src[k], channel: p % channels)
                    }
                }
            }
            return
        }
        var straightThrough: Int32 = 0, gain: Float = 0
        if case .straightThrough(let value) = map.gradient { straightThrough = 1; gain = value }
        let scale = map.expanded(map.scale, channels), shift = map.expanded(map.shift, channels)
        let post = map.expanded(map.post, channels)
        table.x.withUnsafeBufferPointer { xs in
            table.y.withUnsafeBufferPointer { ys in
                table.slopes.withUnsafeBufferPointer { ss in
                    var t = CKTable(x: xs.baseAddress!, y: ys.baseAddress!, s: ss.baseAddress!, count: xs.count,
                                    inverse: table.inverseStep ?? 0)
                    if map.isPlain {
                        Parallel.forRanges(n, grain: Kernels.parallelGrain) { r in
                            CK.kernels.lookup_forward!(&t, straightThrough, gain, src + r.lowerBound, dst + r.lowerBound,
                                                       derivative.map { $0 + r.lowerBound }, r.count)
                        }
                        return
                    }
                    scale.withUnsafeBufferPointer { a in
                        shift.withUnsafeBufferPointer { b in
                            post.withUnsafeBufferPointer { p in
                                var stage = CKStage(scale: a.baseAddress!, shift: b.baseAddress!, post: p.baseAddress!,
                                                    inLo: map.input?.lo ?? 0, inHi: map.input?.hi ?? 0, inStep: map.input?.step ?? 0,
                                                    outLo: map.output?.lo ?? 0, outHi: map.output?.hi ?? 0,
                                                    outStep: map.output?.step ?? 0, straightThrough: straightThrough, gain: gain)
                                Parallel.forRanges(planes, grain: max(1, Kernels.parallelGrain / max(size, 1))) { r in
                                    CK.kernels.lookup_stage!(&t, &stage, src, dst, derivative, r.lowerBound, r.upperBound, channels, size)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// `[N, C, S]`: planes `N·C` of `S` elements, channel `plane % C` (rank < 2: one channel).
    private static func geometry(_ shape: [Int]) -> (planes: Int, channels: Int, size: Int) {
        guard shape.count >= 2 else { return (1, 1, shape.reduce(1, *)) }
        return (shape[0] * shape[1], shape[1], shape.dropFirst(2).reduce(1, *))
    }
}
