import CKernels

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
    /// 1×1, stride 1, no padding: the column matrix is the input itself.
    var isPointwise: Bool { kh == 1 && kw == 1 && sh == 1 && sw == 1 && ph == 0 && pw == 0 }
    /// The geometry as the C kernels take it.
    var ck: CKConv {
        CKConv(n: n, c: c, h: h, w: w, cout: cout, kh: kh, kw: kw, sh: sh, sw: sw, ph: ph, pw: pw, dh: dh, dw: dw,
               groups: groups, ho: ho, wo: wo, cinG: cinG)
    }
}

@inline(__always) func floorDiv(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }
@inline(__always) func ceilDiv(_ a: Int, _ b: Int) -> Int { -floorDiv(-a, b) }

/// Convolution on sgemm: im2col into a column matrix covering a chunk of images, one gemm per
/// group and chunk, then a scatter back to NCHW.
enum ConvKernels {
    /// im2col of one image's group slice `x` (cinG×h×w) into rows of `col` (leading dimension `ld`).
    /// Row `(c·kh + i)·kw + j`, column `oy·wo + ox` holds `x[c, oy·sh − ph + i·dh, ox·sw − pw + j·dw]`
    /// (zero outside the image). Short copies are explicit loops: at 4×4 or 7×7 outputs a
    /// `memmove` call per row segment costs more than the copy.
    static func im2col(_ x: UnsafePointer<Float>, _ g: ConvGeometry, _ col: UnsafeMutablePointer<Float>, ld: Int,
                       rows: Range<Int>? = nil) {
        withUnsafePointer(to: g.ck) { cg in
            CK.kernels.im2col!(x, cg, col, ld, rows?.lowerBound ?? 0, rows?.upperBound ?? g.ho)
        }
    }

    /// Adjoint of `im2col`: accumulates the column matrix into `dx` (cinG×h×w).
    static func col2im(_ col: UnsafePointer<Float>, ld: Int, _ g: ConvGeometry, _ dx: UnsafeMutablePointer<Float>,
                       rows: Range<Int>? = nil) {
        withUnsafePointer(to: g.ck) { cg in
            CK.kernels.col2im!(col, ld, cg, dx, rows?.lowerBound ?? 0, rows?.upperBound ?? g.ho)
        }
    }

    /// Images per gemm: enough columns for an efficient sgemm while the column block stays in cache.
    static func imagesPerGemm(_ g: ConvGeometry, imagesPerThread: Int) -> Int {
        if g.isPointwise { return 1 }
        let byColumns = ceilDiv(wantedColumns, g.p)
        let byCache = Swift.max(1, columnBudget / Swift.max(1, g.k * g.p))
        return Swift.max(1, Swift.min(byColumns, byCache, imagesPerThread))
    }
    static let wantedColumns = 512
    static let columnBudget = 1 << 22
    /// Column-block budget (floats) when one image is too big for a cache-resident block: the
    /// output rows are then processed in tiles. Mutable only for tests (set before any conv runs).
    nonisolated(unsafe) static var tileBudget = 1 << 19

    /// Output rows per tile for one-image blocks.
    static func rowsPerTile(_ g: ConvGeometry) -> Int {
        let byCache = tileBudget / Swift.max(1, g.k * g.wo)
        let byColumns = ceilDiv(wantedColumns / 2, g.wo)
        return Swift.min(g.ho, Swift.max(1, byCache, byColumns))
    }

    /// Forward: `out[n, co] = Σ w[co] ⋆ x[n] + bias[co]`. 3×3 stride-1 layers go to `Winograd`;
    /// otherwise each core takes a contiguous range of images and runs im2col → sgemm on blocks
    /// of `imagesPerGemm` images.
    static func forward(x: UnsafePointer<Float>, w: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                        out: UnsafeMutablePointer<Float>, _ g: ConvGeometry) {
        if Winograd.applies(g) {
            Winograd.forward(x: x, w: w, bias: bias, out: out, g)
            return
        }
        let P = g.p, K = g.k, chw = g.c * g.h * g.w, gxs = g.cinG * g.h * g.w
        let T = Swift.min(Parallel.threads, g.n)
        Parallel.forEach(T) { t in
            let lo = g.n * t / T, hi = g.n * (t + 1) / T
            let nb = imagesPerGemm(g, imagesPerThread: hi - lo)
            let tile = nb == 1 ? rowsPerTile(g) : g.ho
            Scratch.with(g.isPointwise ? 1 : K * (nb == 1 ? tile * g.wo : nb * P)) { col in
                Scratch.with(nb > 1 ? g.cout * nb * P : 1) { y in
                    var n0 = lo
                    while n0 < hi {
                        let m = Swift.min(nb, hi - n0), ld = m * P
                        for grp in 0..<g.groups {
                            let wg = w + grp * g.coutG * K
                            if g.isPointwise {
                                let c = m == 1 ? out + n0 * g.cout * P + grp * g.coutG * P : y + grp * g.coutG * ld
                                BLAS.sgemm(m: g.coutG, n: ld, k: K, a: wg, lda: K, b: x + n0 * chw + grp * gxs, ldb: ld, c: c, ldc: ld)
                            } else if m == 1 {
                                // One image, output rows in cache-sized tiles, written in place.
                                var oy = 0
                                while oy < g.ho {
                                    let oyB = Swift.min(g.ho, oy + tile), cols = (oyB - oy) * g.wo
                                    im2col(x + n0 * chw + grp * gxs, g, col, ld: cols, rows: oy..<oyB)
                                    BLAS.sgemm(m: g.coutG, n: cols, k: K, a: wg, lda: K, b: col, ldb: cols,
                                               c: out + n0 * g.cout * P + grp * g.coutG * P + oy * g.wo, ldc: P)
                                    oy = oyB
                                }
                            } else {
                                for i in 0..<m { im2col(x + (n0 + i) * chw + grp * gxs, g, col + i * P, ld: ld) }
                                BLAS.sgemm(m: g.coutG, n: ld, k: K, a: wg, lda: K, b: col, ldb: ld,
                                           c: y + grp * g.coutG * ld, ldc: ld)
                            }
                        }
                        for i in 0..<m {
                            for co in 0..<g.cout {
                                let dst = out + ((n0 + i) * g.cout + co) * P
                                if m > 1 { dst.update(from: y + co * ld + i * P, count: P) }
                                if let bias {
                                    let bv = bias[co]
                                    for q in 0..<P { dst[q] += bv }
                                }
                            }
                        }
                        n0 += m
                    }
                }
            }
        }
    }

    /// Backward: gradients for input (`dx`), weight (`dw`) and bias (`db`), each overwritten.
    /// Cores split the batch; each accumulates a private weight/bias gradient, summed at the end.
    /// 3×3 stride-1 layers take all three from `Winograd`.
    static func backward(x: UnsafePointer<Float>, w: UnsafePointer<Float>, dy: UnsafePointer<Float>,
                         dx: UnsafeMutablePointer<Float>?, dw: UnsafeMutablePointer<Float>?,
                         db: UnsafeMutablePointer<Float>?, _ g: ConvGeometry) {
        var rest = (dx: dx, dw: dw, db: db)  // what im2col still has to compute
        if let dx, let t = Winograd.inputGradientGeometry(g) {
            Winograd.forward(x: dy, w: w, bias: nil, out: dx, t, rotated: true)
            rest.dx = nil
        }
        if let dw, Winograd.applies(g) {
            Winograd.weightGradient(x: x, dy: dy, dw: dw, db: db, g)
            (rest.dw, rest.db) = (nil, nil)
        }
        if rest.dx != nil || rest.dw != nil || rest.db != nil {
            backwardIm2col(x: x, w: w, dy: dy, dx: rest.dx, dw: rest.dw, db: rest.db, g)
        }
    }

    /// `backward` on im2col → sgemm (and col2im for `dx`).
    private static func backwardIm2col(x: UnsafePointer<Float>, w: UnsafePointer<Float>, dy: UnsafePointer<Float>,
                                       dx: UnsafeMutablePointer<Float>?, dw: UnsafeMutablePointer<Float>?,
                                       db: UnsafeMutablePointer<Float>?, _ g: ConvGeometry) {
        let P = g.p, K = g.k, chw = g.c * g.h * g.w, gxs = g.cinG * g.h * g.w
        let T = Swift.min(Parallel.threads, g.n)
        let wCount = g.cout * K
        // Private accumulators: thread 0 writes dw/db directly, others into `partial`.
        let perThread = (dw == nil ? 0 : wCount) + (db == nil ? 0 : g.cout)
        Scratch.with(Swift.max(1, perThread * T)) { partial in
            Parallel.forEach(T) { t in
                let lo = g.n * t / T, hi = g.n * (t + 1) / T
                let dwT: UnsafeMutablePointer<Float>? = dw.map { t == 0 ? $0 : partial + t * perThread }
                let dbT: UnsafeMutablePointer<Float>? = db.map { t == 0 ? $0 : partial + t * perThread + (dw == nil ? 0 : wCount) }
                dwT?.update(repeating: 0, count: wCount)
                dbT?.update(repeating: 0, count: g.cout)
                if let dx { (dx + lo * chw).update(repeating: 0, count: (hi - lo) * chw) }
                let nb = imagesPerGemm(g, imagesPerThread: hi - lo)
                let tile = nb == 1 ? rowsPerTile(g) : g.ho
                Scratch.with(K * (nb == 1 ? tile * g.wo : nb * P)) { col in
                    Scratch.with(nb > 1 ? g.cout * nb * P : 1) { gather in
                        var n0 = lo
                        while n0 < hi {
                            let m = Swift.min(nb, hi - n0), ld = m * P
                            let dyc: UnsafePointer<Float>
                            if m == 1 {
                                dyc = dy + n0 * g.cout * P
                            } else {
                                for i in 0..<m {
                                    for co in 0..<g.cout {
                                        (gather + co * ld + i * P).update(from: dy + ((n0 + i) * g.cout + co) * P, count: P)
                                    }
                                }
                                dyc = UnsafePointer(gather)
                            }
                            if let dbT { for co in 0..<g.cout { dbT[co] += Reduce.sum(dyc + co * ld, ld) } }
                            for grp in 0..<g.groups {
                                let dyg = dyc + grp * g.coutG * ld
                                let wg = w + grp * g.coutG * K
                                let xg = x + n0 * chw + grp * gxs
                                if g.isPointwise {
                                    if let dwT {
                                        BLAS.sgemm(transB: true, m: g.coutG, n: K, k: ld, a: dyg, lda: ld, b: xg, ldb: ld,
                                                   beta: 1, c: dwT + grp * g.coutG * K, ldc: K)
                                    }
                                    if let dx {
                                        BLAS.sgemm(transA: true, m: K, n: ld, k: g.coutG, a: wg, lda: K, b: dyg, ldb: ld,
                                                   c: dx + n0 * chw + grp * gxs, ldc: ld)
                                    }
                                } else if m == 1 {
                                    var oy = 0
                                    while oy < g.ho {
                                        let oyB = Swift.min(g.ho, oy + tile), cols = (oyB - oy) * g.wo
                                        let dyt = dyg + oy * g.wo
                                        if let dwT {
                                            im2col(xg, g, col, ld: cols, rows: oy..<oyB)
                                            BLAS.sgemm(transB: true, m: g.coutG, n: K, k: cols, a: dyt, lda: P, b: col, ldb: cols,
                                                       beta: 1, c: dwT + grp * g.coutG * K, ldc: K)
                                        }
                                        if let dx {
                                            BLAS.sgemm(transA: true, m: K, n: cols, k: g.coutG, a: wg, lda: K, b: dyt, ldb: P,
                                                       c: col, ldc: cols)
                                            col2im(col, ld: cols, g, dx + n0 * chw + grp * gxs, rows: oy..<oyB)
                                        }
                                        oy = oyB
                                    }
                                } else {
                                    if let dwT {
                                        for i in 0..<m { im2col(x + (n0 + i) * chw + grp * gxs, g, col + i * P, ld: ld) }
                                        BLAS.sgemm(transB: true, m: g.coutG, n: K, k: ld, a: dyg, lda: ld, b: col, ldb: ld,
                                                   beta: 1, c: dwT + grp * g.coutG * K, ldc: K)
                                    }
                                    if let dx {
                                        BLAS.sgemm(transA: true, m: K, n: ld, k: g.coutG, a: wg, lda: K, b: dyg, ldb: ld,
                                                   c: col, ldc: ld)
                                        for i in 0..<m { col2im(col + i * P, ld: ld, g, dx + (n0 + i) * chw + grp * gxs) }
                                    }
                                }
                            }
                            n0 += m
                        }
                    }
                }
            }
            // Reduce the private accumulators into thread 0's.
            if T > 1 {
                if let dw {
                    Parallel.forRanges(wCount, grain: 1 << 14) { r in
                        for t in 1..<T { let p = partial + t * perThread; for i in r { dw[i] += p[i] } }
                    }
                }
                if let db {
                    for t in 1..<T { let p = partial + t * perThread + (dw == nil ? 0 : wCount); for i in 0..<g.cout { db[i] += p[i] } }
                }
            }
        }
    }
}
