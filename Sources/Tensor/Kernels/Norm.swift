import CKernels

/// Batch-norm kernels over channel axis 1 of `[N, C, S]` data (S = product of trailing dims);
/// the loops are in `CKernels` (the reductions as `Reduce`: float per plane, double across planes).
enum NormKernels {
    /// Per-channel mean and biased variance.
    static func statistics(_ x: UnsafePointer<Float>, n: Int, c: Int, s: Int,
                           mean: UnsafeMutablePointer<Float>, variance: UnsafeMutablePointer<Float>) {
        Parallel.forEach(c) { ch in
            CK.kernels.bn_statistics!(x, n, c, s, ch, mean + ch, variance + ch)
        }
    }

    /// Per-channel `Σ x`, summed as `statistics` sums it.
    static func channelSums(_ x: UnsafePointer<Float>, n: Int, c: Int, s: Int) -> [Double] {
        var sums = [Double](repeating: 0, count: c)
        sums.withUnsafeMutableBufferPointer { out in
            Parallel.forEach(c) { ch in
                CK.kernels.bn_channel_sums!(x, n, c, s, ch, out.baseAddress! + ch)
            }
        }
        return sums
    }

    /// Per-channel `Σ (x − mean[c])²`, summed as `statistics` sums it.
    static func channelSquaredDeviations(_ x: UnsafePointer<Float>, n: Int, c: Int, s: Int,
                                         mean: UnsafeBufferPointer<Float>) -> [Double] {
        var squares = [Double](repeating: 0, count: c)
        squares.withUnsafeMutableBufferPointer { out in
            Parallel.forEach(c) { ch in
                CK.kernels.bn_channel_sq_dev!(x, n, c, s, ch, mean[ch], out.baseAddress! + ch)
            }
        }
        return squares
    }

    /// `y = x · scale[c] + shift[c]`.
    static func affine(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, n: Int, c: Int, s: Int,
                       scale: UnsafePointer<Float>, shift: UnsafePointer<Float>) {
        Parallel.forRanges(n * c, grain: Swift.max(1, 16384 / Swift.max(s, 1))) { r in
            CK.kernels.bn_affine!(x, y, r.lowerBound, r.upperBound, c, s, scale, shift)
        }
    }

    /// Per-channel `Σ dy` and `Σ dy·(x − mean)`.
    static func gradientSums(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, n: Int, c: Int, s: Int,
                             mean: UnsafePointer<Float>, sumDy: UnsafeMutablePointer<Float>,
                             sumDyX: UnsafeMutablePointer<Float>) {
        Parallel.forEach(c) { ch in
            CK.kernels.bn_gradient_sums!(x, dy, n, c, s, ch, mean[ch], sumDy + ch, sumDyX + ch)
        }
    }

    /// `dx = a[c]·dy − b[c]·x + k[c]`.
    static func inputGradient(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
                              n: Int, c: Int, s: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                              k: UnsafePointer<Float>) {
        Parallel.forRanges(n * c, grain: Swift.max(1, 16384 / Swift.max(s, 1))) { r in
            CK.kernels.bn_input_gradient!(x, dy, dx, r.lowerBound, r.upperBound, c, s, a, b, k)
        }
    }
}
