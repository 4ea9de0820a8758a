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
