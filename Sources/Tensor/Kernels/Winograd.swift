/// Winograd F(2×2, 3×3) convolution (Lavin & Gray, "Fast Algorithms for Convolutional Neural
/// Networks", 2016) for 3×3, stride-1, undilated, ungrouped layers. Each 2×2 output tile is
///
///     Y = Aᵀ [ Σ_c (G g_c Gᵀ) ⊙ (Bᵀ d_c B) ] A
///
/// with `g_c` the 3×3 kernel and `d_c` the 4×4 input patch of channel `c`, and
///
///     Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1],  G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1],
///     Aᵀ = [1 1 1 0; 0 1 −1 −1].
///
/// The channel sums of the 16 element-wise products are 16 sgemms `M_ξ = U_ξ · V_ξ` (`U_ξ`:
/// cout×cin transformed kernels, `V_ξ`: cin×tiles transformed input), so a tile costs 16
/// multiply-adds per channel pair instead of 36 (2.25× fewer flops than im2col).
///
/// The input gradient of such a layer is the same kind of convolution: `dy` convolved with the
/// kernel rotated by 180° with its channel axes swapped, padding `2 − p` (`inputGradientGeometry`).
enum Winograd {
    /// Smallest channel count (input and output) worth the transforms. Mutable only for tests
    /// (set before any conv runs): 1 sends every eligible layer here, `Int.max` none.
    nonisolated(unsafe) static var minChannels = 16
    /// Floats of transformed input and products (V and M) per block of images, per core.
    /// Mutable only for tests (a small budget forces one-image blocks).
    nonisolated(unsafe) static var blockBudget = 1 << 21

    /// Tiles per image: the output covered by 2×2 tiles.
    static func tiles(_ g: ConvGeometry) -> (h: Int, w: Int) { ((g.ho + 1) / 2, (g.wo + 1) / 2) }

    /// Whether `forward` computes this layer: 3×3, stride 1, no dilation or groups, enough
    /// channels, and one image's transforms within a few block budgets.
    static func applies(_ g: ConvGeometry) -> Bool {
        guard g.kh == 3, g.kw == 3, g.sh == 1, g.sw == 1, g.dh == 1, g.dw == 1, g.groups == 1,
              g.c >= minChannels, g.cout >= minChannels, g.ho >= 1, g.wo >= 1 else { return false }
        let t = tiles(g)
        return 16 * (g.c + g.cout) * t.h * t.w <= 4 * blockBudget
    }

    /// The convolution whose output is the input gradient of `g` (input `dy`, output `dx`),
    /// when `forward` can run it.
    static func inputGradientGeometry(_ g: ConvGeometry) -> ConvGeometry? {
        guard applies(g), g.ph <= 2, g.pw <= 2 else { return nil }
        let t = ConvGeometry(n: g.n, c: g.cout, h: g.ho, w: g.wo, cout: g.c, kh: 3, kw: 3, sh: 1, sw: 1,
                             ph: 2 - g.ph, pw: 2 - g.pw, dh: 1, dw: 1, groups: 1)
        return applies(t) && t.ho == g.h && t.wo == g.w ? t : nil
    }

    /// `out[n, co] = Σ_ci w[co, ci] ⋆ x[n, ci] + bias[co]` for a geometry where `applies` holds.
    /// With `rotated`, `w` is laid out `[g.c][g.cout][3][3]` and used rotated by 180° with its
    /// channel axes swapped (the input gradient of the layer that owns `w`).
    /// Each core takes a contiguous range of images, in blocks sized by `blockBudget`.
    static func forward(x: UnsafePointer<Float>, w: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                        out: UnsafeMutablePointer<Float>, _ g: ConvGeometry, rotated: Bool = false) {
        let cin = g.c, cout = g.cout
        Scratch.with(16 * cout * cin) { u in
            transformKernels(w, g, rotated: rotated, into: u)
            let (th, tw) = tiles(g), perImage = th * tw
            let planeSize = 2 * planeFloats(g)
            let T = Swift.min(Parallel.threads, g.n)
            Parallel.forEach(T) { t in
                let lo = g.n * t / T, hi = g.n * (t + 1) / T
                let nb = Swift.max(1, Swift.min(hi - lo, blockBudget / (16 * (cin + cout) * perImage)))
                let ld = nb * perImage + padding
                Scratch.with(16 * (cin + cout) * ld + planeSize) { block in
                    let v = block, m = v + 16 * cin * ld, plane = m + 16 * cout * ld
                    plane.update(repeating: 0, count: planeSize)
                    var n0 = lo
                    while n0 < hi {
                        let count = Swift.min(nb, hi - n0)
                        for i in 0..<count {
                            transformInput(x + (n0 + i) * cin * g.h * g.w, g, planes: plane, v + i * perImage, ld: ld)
                        }
                        for xi in 0..<16 {
                            BLAS.sgemm(m: cout, n: count * perImage, k: cin, a: u + xi * cout * cin, lda: cin,
                                       b: v + xi * cin * ld, ldb: ld, c: m + xi * cout * ld, ldc: ld)
                        }
                        for i in 0..<count {
                            transformOutput(m + i * perImage, ld: ld, g, bias: bias, out + (n0 + i) * cout * g.ho * g.wo)
                        }
                        n0 += count
                    }
                }
            }
        }
    }

    /// Weight and bias gradients (overwritten) of a layer where `applies` holds. The forward pass
    /// is linear in the transformed kernels, `M_ξ = U_ξ · V_ξ` and `Y_t = Aᵀ M_t A`, so
    ///
    ///     ∂L/∂U_ξ = Σ_t (A ∂Y_t Aᵀ)_ξ · V_ξ[·, t]ᵀ,   ∂L/∂g = Gᵀ (∂L/∂U) G,
    ///
    /// 16 sgemms over the same transformed tiles (missing outputs of odd edges have zero gradient).
    /// Cores split the batch, each accumulating a private ∂L/∂U, summed at the end.
    static func weightGradient(x: UnsafePointer<Float>, dy: UnsafePointer<Float>, dw: UnsafeMutablePointer<Float>,
                               db: UnsafeMutablePointer<Float>?, _ g: ConvGeometry) {
        let cin = g.c, cout = g.cout, uCount = 16 * cout * cin, P = g.ho * g.wo
        let (th, tw) = tiles(g), perImage = th * tw
        let planeSize = 2 * planeFloats(g), gradientPlaneSize = 2 * th * (2 * tw + 8)
        let T = Swift.min(Parallel.threads, g.n)
        Scratch.with(uCount * T) { du in
            Parallel.forEach(T) { t in
                let lo = g.n * t / T, hi = g.n * (t + 1) / T
                let nb = Swift.max(1, Swift.min(hi - lo, blockBudget / (16 * (cin + cout) * perImage)))
                let ld = nb * perImage + padding
                let dut = du + t * uCount
                dut.update(repeating: 0, count: uCount)
                Scratch.with(16 * (cin + cout) * ld + planeSize + gradientPlaneSize) { block in
                    let v = block, d = v + 16 * cin * ld, plane = d + 16 * cout * ld, gradientPlane = plane + planeSize
                    plane.update(repeating: 0, count: planeSize + gradientPlaneSize)
                    var n0 = lo
                    while n0 < hi {
                        let count = Swift.min(nb, hi - n0)
                        for i in 0..<count {
                            transformInput(x + (n0 + i) * cin * g.h * g.w, g, planes: plane, v + i * perImage, ld: ld)
                            transformGradient(dy + (n0 + i) * cout * P, g, plane: gradientPlane, d + i * perImage, ld: ld)
                        }
                        for xi in 0..<16 {
                            BLAS.sgemm(transB: true, m: cout, n: cin, k: count * perImage, a: d + xi * cout * ld, lda: ld,
                                       b: v + xi * cin * ld, ldb: ld, beta: 1, c: dut + xi * cout * cin, ldc: cin)
                        }
                        n0 += count
                    }
                }
            }
            // Sum the cores' ∂L/∂U, then ∂L/∂g = Gᵀ (∂L/∂U) G per kernel (rows of Gᵀ:
            // (1, ½, ½, 0), (0, ½, −½, 0), (0, ½, ½, 1)).
            Parallel.forRanges(cout, grain: Swift.max(1, 2048 / cin)) { r in
                for co in r {
                    for ci in 0..<cin {
                        let src = du + co * cin + ci
                        @inline(__always) func u(_ xi: Int) -> Float {
                            var sum: Float = 0
                            for k in 0..<T { sum += src[k * uCount + xi * cout * cin] }
                            return sum
                        }
                        // Row a of ∂L/∂U times G (c), then Gᵀ combines the rows into r0, r1, r2.
                        var r0 = F4(), r1 = F4(), r2 = F4()
                        for a in 0..<4 {
                            let u0 = u(4 * a), u1 = u(4 * a + 1), u2 = u(4 * a + 2), u3 = u(4 * a + 3)
                            let c = F4(u0 + 0.5 * (u1 + u2), 0.5 * (u1 - u2), 0.5 * (u1 + u2) + u3, 0)
                            switch a {
                            case 0: r0 += c
                            case 1: r0 += 0.5 * c; r1 += 0.5 * c; r2 += 0.5 * c
                            case 2: r0 += 0.5 * c; r1 -= 0.5 * c; r2 += 0.5 * c
                            default: r2 += c
                            }
                        }
                        let k = dw + (co * cin + ci) * 9
                        for j in 0..<3 { (k[j], k[3 + j], k[6 + j]) = (r0[j], r1[j], r2[j]) }
                    }
                }
            }
        }
        if let db {
            Parallel.forRanges(cout, grain: Swift.max(1, (1 << 14) / Swift.max(1, g.n * P))) { r in
                for co in r {
                    var sum: Float = 0
                    for n in 0..<g.n { sum += Reduce.sum(dy + (n * cout + co) * P, P) }
                    db[co] = sum
                }
            }
        }
    }

    /// `D_ξ[co][tile] = (A ∂Y_t Aᵀ)_ξ` for one image's output gradient `dy` (cout×ho×wo), laid out
    /// like `transformInput`'s V (leading dimension `ld`, ξ matrices `cout · ld` apart, the same
    /// spill). Each channel is copied into the zeroed `plane` (2·th rows of 2·tw + 8), so missing
    /// rows and columns of odd edges read as zero gradient.
    static func transformGradient(_ dy: UnsafePointer<Float>, _ g: ConvGeometry, plane: UnsafeMutablePointer<Float>,
                                  _ d: UnsafeMutablePointer<Float>, ld: Int) {
        let (th, tw) = tiles(g), width = 2 * tw + 8, stride = g.cout * ld
        for co in 0..<g.cout {
            let src = dy + co * g.ho * g.wo
            for y in 0..<g.ho { (plane + y * width).update(from: src + y * g.wo, count: g.wo) }
            for ty in 0..<th {
                let top = UnsafeRawPointer(plane + 2 * ty * width), bottom = top + 4 * width
                var p = d + co * ld + ty * tw
                for tx in Swift.stride(from: 0, to: tw, by: 4) {
                    // Four tiles' 2×2 patches [[y00, y01], [y10, y11]] from two rows of eight columns.
                    let r0 = top.loadUnaligned(fromByteOffset: 8 * tx, as: SIMD8<Float>.self)
                    let r1 = bottom.loadUnaligned(fromByteOffset: 8 * tx, as: SIMD8<Float>.self)
                    let y00 = r0.evenHalf, y01 = r0.oddHalf, y10 = r1.evenHalf, y11 = r1.oddHalf
                    // Rows of A·∂Y: (y00, y01), (y00 + y10, y01 + y11), (y00 − y10, y01 − y11), (−y10, −y11);
                    // each row (p, q) times Aᵀ: (p, p + q, p − q, −q).
                    @inline(__always) func row(_ a: Int, _ p0: F4, _ q: F4) {
                        (p0).store(p + 4 * a * stride)
                        (p0 + q).store(p + (4 * a + 1) * stride)
                        (p0 - q).store(p + (4 * a + 2) * stride)
                        (-q).store(p + (4 * a + 3) * stride)
                    }
                    row(0, y00, y01)
                    row(1, y00 + y10, y01 + y11)
                    row(2, y00 - y10, y01 - y11)
                    row(3, -y10, -y11)
                    p += 4
                }
            }
        }
    }

    /// Floats of one of `transformInput`'s two planes.
    static func planeFloats(_ g: ConvGeometry) -> Int {
        let (th, tw) = tiles(g)
        return (2 * th + 2) * (2 * tw + 2) + padding
    }

    /// Floats after each row of V and M and after the plane: the transforms work on four tiles
    /// at a time, and a row's last group may read, and in V write, up to three tiles past its end.
    static let padding = 8
    typealias F4 = SIMD4<Float>

    /// `U_ξ[co][ci] = (G g Gᵀ)_ξ` for every kernel, `ξ = 4·row + column`.
    static func transformKernels(_ w: UnsafePointer<Float>, _ g: ConvGeometry, rotated: Bool,
                                 into u: UnsafeMutablePointer<Float>) {
        let cin = g.c, cout = g.cout, stride = cout * cin
        Parallel.forRanges(cout, grain: Swift.max(1, 2048 / cin)) { r in
            for co in r {
                for ci in 0..<cin {
                    let k = rotated ? w + (ci * cout + co) * 9 : w + (co * cin + ci) * 9
                    // Kernel row i, column j (rotated: k[8 − 3i − j]).
                    @inline(__always) func tap(_ i: Int, _ j: Int) -> Float { rotated ? k[8 - 3 * i - j] : k[3 * i + j] }
                    let dst = u + co * cin + ci
                    // Row i of (G·g)·Gᵀ from row i of G·g, (a, b, c).
                    @inline(__always) func row(_ i: Int, _ a: Float, _ b: Float, _ c: Float) {
                        dst[4 * i * stride] = a
                        dst[(4 * i + 1) * stride] = 0.5 * (a + b + c)
                        dst[(4 * i + 2) * stride] = 0.5 * (a - b + c)
                        dst[(4 * i + 3) * stride] = c
                    }
                    let g00 = tap(0, 0), g01 = tap(0, 1), g02 = tap(0, 2)
                    let g10 = tap(1, 0), g11 = tap(1, 1), g12 = tap(1, 2)
                    let g20 = tap(2, 0), g21 = tap(2, 1), g22 = tap(2, 2)
                    row(0, g00, g01, g02)
                    row(1, 0.5 * (g00 + g10 + g20), 0.5 * (g01 + g11 + g21), 0.5 * (g02 + g12 + g22))
                    row(2, 0.5 * (g00 - g10 + g20), 0.5 * (g01 - g11 + g21), 0.5 * (g02 - g12 + g22))
                    row(3, g20, g21, g22)
                }
            }
        }
    }

    /// `V_ξ[ci][tile] = (Bᵀ d B)_ξ` for one image's tiles, written from column 0 of `v` with
    /// leading dimension `ld` (the ξ matrices are `cin · ld` apart). `planes` holds two zeroed
    /// `(2·th + 2) × (2·tw + 2)` buffers (`planeFloats` each); each channel is copied into one at
    /// offset (ph, pw) with every row split into its even and odd columns, so the 4×4 patches of
    /// tiles tx..<tx+4 are `even[tx…]`, `odd[tx…]`, `even[tx+1…]`, `odd[tx+1…]` of four rows:
    /// vector loads and stores, no bounds checks (the borders stay zero). The next channel is
    /// copied into the other buffer before this one is read (the loads then do not wait on the
    /// copy's stores). Four tiles at a time: a tile row's last group spills up to three columns
    /// into the next row's (or next image's) tiles, written after it, or into the row's padding.
    static func transformInput(_ x: UnsafePointer<Float>, _ g: ConvGeometry, planes: UnsafeMutablePointer<Float>,
                               _ v: UnsafeMutablePointer<Float>, ld: Int) {
        let (th, tw) = tiles(g), half = tw + 1, width = 2 * half, stride = g.c * ld, planeFloats = planeFloats(g)
        // Channel ci into plane ci % 2.
        func copy(_ ci: Int) {
            let src = x + ci * g.h * g.w, plane = planes + (ci & 1) * planeFloats
            for y in 0..<g.h {
                let row = plane + (y + g.ph) * width, line = src + y * g.w
                // Eight columns at a time: input column x goes to even[(x + pw) / 2] or odd[…].
                let (even, odd) = g.pw & 1 == 0 ? (row, row + half) : (row + half, row)
                var x = 0
                while x + 8 <= g.w {
                    let v = UnsafeRawPointer(line + x).loadUnaligned(as: SIMD8<Float>.self)
                    v.evenHalf.store(even + (x + g.pw) >> 1)
                    v.oddHalf.store(odd + (x + 1 + g.pw) >> 1)
                    x += 8
                }
                for x in x..<g.w { row[((x + g.pw) & 1) * half + (x + g.pw) >> 1] = line[x] }
            }
        }
        copy(0)
        for ci in 0..<g.c {
            if ci + 1 < g.c { copy(ci + 1) }
            let plane = planes + (ci & 1) * planeFloats
            for ty in 0..<th {
                let e0 = UnsafePointer(plane + 2 * ty * width), e1 = e0 + width, e2 = e1 + width, e3 = e2 + width
                let o0 = e0 + half, o1 = e1 + half, o2 = e2 + half, o3 = e3 + half
                var p = v + ci * ld + ty * tw
                for tx in Swift.stride(from: 0, to: tw, by: 4) {
                    // d[r][j]: row r, patch column j of four tiles.
                    let d00 = F4.load(e0 + tx), d01 = F4.load(o0 + tx), d02 = F4.load(e0 + tx + 1), d03 = F4.load(o0 + tx + 1)
                    let d10 = F4.load(e1 + tx), d11 = F4.load(o1 + tx), d12 = F4.load(e1 + tx + 1), d13 = F4.load(o1 + tx + 1)
                    let d20 = F4.load(e2 + tx), d21 = F4.load(o2 + tx), d22 = F4.load(e2 + tx + 1), d23 = F4.load(o2 + tx + 1)
                    let d30 = F4.load(e3 + tx), d31 = F4.load(o3 + tx), d32 = F4.load(e3 + tx + 1), d33 = F4.load(o3 + tx + 1)
                    // Rows of Bᵀ·d, then each row times B.
                    let a0 = d00 - d20, a1 = d01 - d21, a2 = d02 - d22, a3 = d03 - d23
                    let b0 = d10 + d20, b1 = d11 + d21, b2 = d12 + d22, b3 = d13 + d23
                    let c0 = d20 - d10, c1 = d21 - d11, c2 = d22 - d12, c3 = d23 - d13
                    let d0 = d10 - d30, d1 = d11 - d31, d2 = d12 - d32, d3 = d13 - d33
                    (a0 - a2).store(p); (a1 + a2).store(p + stride); (a2 - a1).store(p + 2 * stride); (a1 - a3).store(p + 3 * stride)
                    (b0 - b2).store(p + 4 * stride); (b1 + b2).store(p + 5 * stride)
                    (b2 - b1).store(p + 6 * stride); (b1 - b3).store(p + 7 * stride)
                    (c0 - c2).store(p + 8 * stride); (c1 + c2).store(p + 9 * stride)
                    (c2 - c1).store(p + 10 * stride); (c1 - c3).store(p + 11 * stride)
                    (d0 - d2).store(p + 12 * stride); (d1 + d2).store(p + 13 * stride)
                    (d2 - d1).store(p + 14 * stride); (d1 - d3).store(p + 15 * stride)
                    p += 4
                }
            }
        }
    }

    /// One image's output `Aᵀ M A` (+ bias) from the products `m` (leading dimension `ld`, the ξ
    /// matrices `cout · ld` apart), into `out` (cout×ho×wo). Four tiles at a time (a row's last
    /// group reads past the row into the next row or the padding); an odd last column or row
    /// drops the tile's extra half.
    static func transformOutput(_ m: UnsafePointer<Float>, ld: Int, _ g: ConvGeometry, bias: UnsafePointer<Float>?,
                                _ out: UnsafeMutablePointer<Float>) {
        let (th, tw) = tiles(g), ho = g.ho, wo = g.wo, stride = g.cout * ld
        for co in 0..<g.cout {
            let bv = F4(repeating: bias?[co] ?? 0)
            let dst = out + co * ho * wo
            for ty in 0..<th {
                let top = dst + 2 * ty * wo, bottom = top + wo, fullRow = 2 * ty + 1 < ho
                var p = m + co * ld + ty * tw
                for tx in Swift.stride(from: 0, to: tw, by: 4) {
                    // Aᵀ·M (rows s and e of four), then times A, interleaved into columns 2·tx, 2·tx + 1.
                    let m0 = F4.load(p), m1 = F4.load(p + stride), m2 = F4.load(p + 2 * stride)
                    let m3 = F4.load(p + 3 * stride), m4 = F4.load(p + 4 * stride), m5 = F4.load(p + 5 * stride)
                    let m6 = F4.load(p + 6 * stride), m7 = F4.load(p + 7 * stride), m8 = F4.load(p + 8 * stride)
                    let m9 = F4.load(p + 9 * stride), m10 = F4.load(p + 10 * stride), m11 = F4.load(p + 11 * stride)
                    let m12 = F4.load(p + 12 * stride), m13 = F4.load(p + 13 * stride)
                    let m14 = F4.load(p + 14 * stride), m15 = F4.load(p + 15 * stride)
                    let s0 = m0 + m4 + m8, s1 = m1 + m5 + m9, s2 = m2 + m6 + m10, s3 = m3 + m7 + m11
                    let columns = Swift.min(8, wo - 2 * tx)
                    SIMD8.interleave(s0 + s1 + s2 + bv, s1 - s2 - s3 + bv).store(top + 2 * tx, columns)
                    if fullRow {
                        let e0 = m4 - m8 - m12, e1 = m5 - m9 - m13, e2 = m6 - m10 - m14, e3 = m7 - m11 - m15
                        SIMD8.interleave(e0 + e1 + e2 + bv, e1 - e2 - e3 + bv).store(bottom + 2 * tx, columns)
                    }
                    p += 4
                }
            }
        }
    }
}

extension SIMD4 where Scalar == Float {
    /// Four floats at `p` (one unaligned load).
    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> Self { UnsafeRawPointer(p).loadUnaligned(as: Self.self) }

    /// Stores the four floats at `p`.
    @inline(__always) func store(_ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: self, as: Self.self) }
}

extension SIMD8 where Scalar == Float {
    /// `(a₀, b₀, a₁, b₁, a₂, b₂, a₃, b₃)`.
    @inline(__always) static func interleave(_ a: SIMD4<Float>, _ b: SIMD4<Float>) -> Self {
        Self(a[0], b[0], a[1], b[1], a[2], b[2], a[3], b[3])
    }

    /// Stores the first `count` floats at `p` (all eight: one unaligned store).
    @inline(__always) func store(_ p: UnsafeMutablePointer<Float>, _ count: Int) {
        if count == 8 {
            UnsafeMutableRawPointer(p).storeBytes(of: self, as: Self.self)
            return
        }
        for l in 0..<count { p[l] = self[l] }
    }
}
