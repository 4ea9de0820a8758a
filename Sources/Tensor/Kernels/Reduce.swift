/// Vectorised reductions (SIMD accumulators; plain `+=` loops on Float do not vectorise).
enum Reduce {
    /// `Σ p[0..<n]`.
    @inline(__always)
    static func sum(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
        var i = 0
        let raw = UnsafeRawPointer(p)
        while i + 16 <= n {
            acc0 += raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            acc1 += raw.loadUnaligned(fromByteOffset: (i + 8) * 4, as: SIMD8<Float>.self)
            i += 16
        }
        var s = (acc0 + acc1).sum()
        while i < n { s += p[i]; i += 1 }
        return s
    }

    /// `Σ (p[i] − mu)²`.
    @inline(__always)
    static func sumSquaredDeviations(_ p: UnsafePointer<Float>, _ n: Int, mean mu: Float) -> Float {
        var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
        let m = SIMD8<Float>(repeating: mu)
        var i = 0
        let raw = UnsafeRawPointer(p)
        while i + 16 <= n {
            let d0 = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) - m
            let d1 = raw.loadUnaligned(fromByteOffset: (i + 8) * 4, as: SIMD8<Float>.self) - m
            acc0 += d0 * d0
            acc1 += d1 * d1
            i += 16
        }
        var s = (acc0 + acc1).sum()
        while i < n { let d = p[i] - mu; s += d * d; i += 1 }
        return s
    }

    /// `(Σ dy[i], Σ dy[i]·(x[i] − mu))`.
    @inline(__always)
    static func sumAndDot(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ n: Int, mean mu: Float) -> (Float, Float) {
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), b0 = SIMD8<Float>(), b1 = SIMD8<Float>()
        let m = SIMD8<Float>(repeating: mu)
        var i = 0
        let rd = UnsafeRawPointer(dy), rx = UnsafeRawPointer(x)
        while i + 16 <= n {
            let g0 = rd.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            let g1 = rd.loadUnaligned(fromByteOffset: (i + 8) * 4, as: SIMD8<Float>.self)
            a0 += g0; a1 += g1
            b0 += g0 * (rx.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) - m)
            b1 += g1 * (rx.loadUnaligned(fromByteOffset: (i + 8) * 4, as: SIMD8<Float>.self) - m)
            i += 16
        }
        var s = (a0 + a1).sum(), d = (b0 + b1).sum()
        while i < n { s += dy[i]; d += dy[i] * (x[i] - mu); i += 1 }
        return (s, d)
    }
}
