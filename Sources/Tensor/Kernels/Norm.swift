/// Batch-norm kernels over channel axis 1 of `[N, C, S]` data (S = product of trailing dims).
enum NormKernels {
    /// Per-channel mean and biased variance.
    static func statistics(_ x: UnsafePointer<Float>, n: Int, c: Int, s: Int,
                           mean: UnsafeMutablePointer<Float>, variance: UnsafeMutablePointer<Float>) {
        let m = Double(n * s)
        Parallel.forEach(c) { ch in
            var sum = 0.0
            for i in 0..<n {
                sum += Double(Reduce.sum(x + (i * c + ch) * s, s))
            }
            let mu = Float(sum / m)
            var sq = 0.0
            for i in 0..<n {
                sq += Double(Reduce.sumSquaredDeviations(x + (i * c + ch) * s, s, mean: mu))
            }
            mean[ch] = mu
            variance[ch] = Float(sq / m)
        }
    }

    /// Per-channel `Σ x`, summed as `statistics` sums it.
    static func channelSums(_ x: UnsafePointer<Float>, n: Int, c: Int, s: Int) -> [Double] {
        var sums = [Double](repeating: 0, count: c)
        sums.withUnsafeMutableBufferPointer { out in
            Parallel.forEach(c) { ch in
                var sum = 0.0
                for i in 0..<n { sum += Double(Reduce.sum(x + (i * c + ch) * s, s)) }
                out[ch] = sum
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
                var sq = 0.0
                for i in 0..<n { sq += Double(Reduce.sumSquaredDeviations(x + (i * c + ch) * s, s, mean: mean[ch])) }
                out[ch] = sq
            }
        }
        return squares
    }

    /// `y = x · scale[c] + shift[c]`.
    static func affine(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, n: Int, c: Int, s: Int,
                       scale: UnsafePointer<Float>, shift: UnsafePointer<Float>) {
        Parallel.forEach(n * c, grain: Swift.max(1, 16384 / Swift.max(s, 1))) { t in
            let ch = t % c
            let a = scale[ch], b = shift[ch]
            let src = x + t * s, dst = y + t * s
            for q in 0..<s { dst[q] = src[q] * a + b }
        }
    }

    /// Per-channel `Σ dy` and `Σ dy·(x − mean)`.
    static func gradientSums(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, n: Int, c: Int, s: Int,
                             mean: UnsafePointer<Float>, sumDy: UnsafeMutablePointer<Float>,
                             sumDyX: UnsafeMutablePointer<Float>) {
        Parallel.forEach(c) { ch in
            let mu = mean[ch]
            var a = 0.0, b = 0.0
            for i in 0..<n {
                let (ta, tb) = Reduce.sumAndDot(dy + (i * c + ch) * s, x + (i * c + ch) * s, s, mean: mu)
                a += Double(ta); b += Double(tb)
            }
            sumDy[ch] = Float(a)
            sumDyX[ch] = Float(b)
        }
    }

    /// `dx = a[c]·dy − b[c]·x + k[c]`.
    static func inputGradient(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
                              n: Int, c: Int, s: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                              k: UnsafePointer<Float>) {
        Parallel.forEach(n * c, grain: Swift.max(1, 16384 / Swift.max(s, 1))) { t in
            let ch = t % c
            let ca = a[ch], cb = b[ch], ck = k[ch]
            let px = x + t * s, pd = dy + t * s, po = dx + t * s
            for q in 0..<s { po[q] = ca * pd[q] - cb * px[q] + ck }
        }
    }
}
