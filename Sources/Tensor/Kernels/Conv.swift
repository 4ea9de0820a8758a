/// Geometry of a 2-D convolution or pooling window over an NCHW input.
struct ConvGeometry: Sendable, Equatable {
    var n, c, h, w: Int
    var cout: Int
    var kh, kw: Int
    var sh, sw: Int
    var ph, pw: Int
    var dh, dw: Int
    var groups: Int
    var ho: Int { (h + 2 * ph - dh * (kh - 1) - 1) / sh + 1 }
    var wo: Int { (w + 2 * pw - dw * (kw - 1) - 1) / sw + 1 }
    var cinG: Int { c / groups }
    var coutG: Int { cout / groups }
    /// Rows of the column matrix per group: `cinG · kh · kw`.
    var k: Int { cinG * kh * kw }
    /// Output pixels per image.
    var p: Int { ho * wo }
}

@inline(__always) func floorDiv(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }
@inline(__always) func ceilDiv(_ a: Int, _ b: Int) -> Int { -floorDiv(-a, b) }

/// Convolution on sgemm: im2col into a column matrix covering a chunk of images, one gemm per
/// group and chunk, then a scatter back to NCHW.
enum ConvKernels {
    /// Column buffer budget per chunk (floats).
    static let chunkBudget = 6 << 20

    static func chunkSize(_ g: ConvGeometry) -> Int {
        Swift.max(1, Swift.min(g.n, chunkBudget / Swift.max(1, g.k * g.p)))
    }

    /// im2col of one image's group slice `x` (cinG×h×w) into rows of `col` (leading dimension `ld`).
    static func im2col(_ x: UnsafePointer<Float>, _ g: ConvGeometry, _ col: UnsafeMutablePointer<Float>, ld: Int) {
        let ho = g.ho, wo = g.wo
        for c in 0..<g.cinG {
            for i in 0..<g.kh {
                for j in 0..<g.kw {
                    let row = col + ((c * g.kh + i) * g.kw + j) * ld
                    let xOff = j * g.dw - g.pw
                    let lo = Swift.min(wo, Swift.max(0, ceilDiv(-xOff, g.sw)))
                    let hi = Swift.max(lo, Swift.min(wo, floorDiv(g.w - 1 - xOff, g.sw) + 1))
                    for oy in 0..<ho {
                        let iy = oy * g.sh - g.ph + i * g.dh
                        let dst = row + oy * wo
                        if iy < 0 || iy >= g.h {
                            dst.update(repeating: 0, count: wo)
                            continue
                        }
                        let src = x + (c * g.h + iy) * g.w + xOff
                        if lo > 0 { dst.update(repeating: 0, count: lo) }
                        if g.sw == 1 {
                            (dst + lo).update(from: src + lo, count: hi - lo)
                        } else {
                            let s = g.sw
                            for ox in lo..<hi { dst[ox] = src[ox * s] }
                        }
                        if hi < wo { (dst + hi).update(repeating: 0, count: wo - hi) }
                    }
                }
            }
        }
    }

    /// Adjoint of `im2col`: accumulates the column matrix into `dx` (cinG×h×w).
    static func col2im(_ col: UnsafePointer<Float>, ld: Int, _ g: ConvGeometry, _ dx: UnsafeMutablePointer<Float>) {
        let ho = g.ho, wo = g.wo
        for c in 0..<g.cinG {
            for i in 0..<g.kh {
                for j in 0..<g.kw {
                    let row = col + ((c * g.kh + i) * g.kw + j) * ld
                    let xOff = j * g.dw - g.pw
                    let lo = Swift.min(wo, Swift.max(0, ceilDiv(-xOff, g.sw)))
                    let hi = Swift.max(lo, Swift.min(wo, floorDiv(g.w - 1 - xOff, g.sw) + 1))
                    for oy in 0..<ho {
                        let iy = oy * g.sh - g.ph + i * g.dh
                        if iy < 0 || iy >= g.h { continue }
                        let src = row + oy * wo
                        let dst = dx + (c * g.h + iy) * g.w + xOff
                        if g.sw == 1 {
                            for ox in lo..<hi { dst[ox] += src[ox] }
                        } else {
                            let s = g.sw
                            for ox in lo..<hi { dst[ox * s] += src[ox] }
                        }
                    }
                }
            }
        }
    }

    /// Forward: `out[n, co] = Σ w[co] ⋆ x[n] + bias[co]`.
    static func forward(x: UnsafePointer<Float>, w: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                        out: UnsafeMutablePointer<Float>, _ g: ConvGeometry) {
        let P = g.p, K = g.k, chw = g.c * g.h * g.w
        let nb = chunkSize(g)
        Scratch.with(K * nb * P) { col in
            Scratch.with(g.cout * nb * P) { y in
                var n0 = 0
                while n0 < g.n {
                    let m = Swift.min(nb, g.n - n0)
                    let ld = m * P
                    for grp in 0..<g.groups {
                        Parallel.forEach(m) { i in
                            im2col(x + (n0 + i) * chw + grp * g.cinG * g.h * g.w, g, col + i * P, ld: ld)
                        }
                        BLAS.sgemm(m: g.coutG, n: ld, k: K, a: w + grp * g.coutG * K, lda: K,
                                   b: col, ldb: ld, c: y + grp * g.coutG * ld, ldc: ld)
                    }
                    // Scatter [cout, m·P] to NCHW, adding the bias.
                    Parallel.forEach(m * g.cout, grain: Swift.max(1, 4096 / Swift.max(P, 1))) { t in
                        let i = t / g.cout, co = t % g.cout
                        let src = y + co * ld + i * P
                        let dst = out + ((n0 + i) * g.cout + co) * P
                        if let bias {
                            let b = bias[co]
                            for q in 0..<P { dst[q] = src[q] + b }
                        } else {
                            dst.update(from: src, count: P)
                        }
                    }
                    n0 += m
                }
            }
        }
    }

    /// Backward: gradients for input (`dx`, overwritten), weight (`dw`, overwritten) and bias (`db`, overwritten).
    static func backward(x: UnsafePointer<Float>, w: UnsafePointer<Float>, dy: UnsafePointer<Float>,
                         dx: UnsafeMutablePointer<Float>?, dw: UnsafeMutablePointer<Float>?,
                         db: UnsafeMutablePointer<Float>?, _ g: ConvGeometry) {
        let P = g.p, K = g.k, chw = g.c * g.h * g.w
        let nb = chunkSize(g)
        if let dx { dx.update(repeating: 0, count: g.n * chw) }
        if let dw { dw.update(repeating: 0, count: g.cout * K) }
        if let db { db.update(repeating: 0, count: g.cout) }
        Scratch.with(K * nb * P) { col in
            Scratch.with(g.cout * nb * P) { dyc in
                var n0 = 0
                while n0 < g.n {
                    let m = Swift.min(nb, g.n - n0)
                    let ld = m * P
                    // Gather dy [n, cout, P] into [cout, m·P].
                    Parallel.forEach(m * g.cout, grain: Swift.max(1, 4096 / Swift.max(P, 1))) { t in
                        let i = t / g.cout, co = t % g.cout
                        (dyc + co * ld + i * P).update(from: dy + ((n0 + i) * g.cout + co) * P, count: P)
                    }
                    if let db {
                        for co in 0..<g.cout {
                            let r = dyc + co * ld
                            var s: Float = 0
                            for q in 0..<ld { s += r[q] }
                            db[co] += s
                        }
                    }
                    for grp in 0..<g.groups {
                        let dyg = dyc + grp * g.coutG * ld
                        if let dw {
                            Parallel.forEach(m) { i in
                                im2col(x + (n0 + i) * chw + grp * g.cinG * g.h * g.w, g, col + i * P, ld: ld)
                            }
                            BLAS.sgemm(transB: true, m: g.coutG, n: K, k: ld, a: dyg, lda: ld, b: col, ldb: ld,
                                       beta: 1, c: dw + grp * g.coutG * K, ldc: K)
                        }
                        if let dx {
                            BLAS.sgemm(transA: true, m: K, n: ld, k: g.coutG, a: w + grp * g.coutG * K, lda: K,
                                       b: dyg, ldb: ld, c: col, ldc: ld)
                            Parallel.forEach(m) { i in
                                col2im(col + i * P, ld: ld, g, dx + (n0 + i) * chw + grp * g.cinG * g.h * g.w)
                            }
                        }
                    }
                    n0 += m
                }
            }
        }
    }
}
