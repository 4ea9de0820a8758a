import CKernels

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
        let planeSize = 2 * planeFloats(g), gradientPlaneSize = 2 * th * gradientPlaneWidth(g)
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
                CK.kernels.winograd_weight_gradient!(du, cin, cout, T, uCount, r.lowerBound, r.upperBound, dw)
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
    /// spill). Each channel is copied into the zeroed `plane` (2·th rows of `gradientPlaneWidth`), so missing
    /// rows and columns of odd edges read as zero gradient.
    static func transformGradient(_ dy: UnsafePointer<Float>, _ g: ConvGeometry, plane: UnsafeMutablePointer<Float>,
                                  _ d: UnsafeMutablePointer<Float>, ld: Int) {
        let (th, tw) = tiles(g)
        CK.kernels.winograd_gradient!(dy, g.cout, g.ho, g.wo, th, tw, plane, gradientPlaneWidth(g), d, ld)
    }

    /// Row length of `transformGradient`'s plane: a row's last group of 16 tiles reads 32 columns.
    static func gradientPlaneWidth(_ g: ConvGeometry) -> Int { 2 * tiles(g).w + 32 }

    /// Floats of one of `transformInput`'s two planes.
    static func planeFloats(_ g: ConvGeometry) -> Int {
        let (th, tw) = tiles(g)
        return (2 * th + 2) * (2 * tw + 2) + padding
    }

    /// Floats after each row of V and M and after the plane: the transforms work on up to 16 tiles
    /// at a time, and a row's last group may read, and in V write, up to 15 tiles past its end.
    static let padding = 16

    /// `U_ξ[co][ci] = (G g Gᵀ)_ξ` for every kernel, `ξ = 4·row + column`.
    static func transformKernels(_ w: UnsafePointer<Float>, _ g: ConvGeometry, rotated: Bool,
                                 into u: UnsafeMutablePointer<Float>) {
        let cin = g.c, cout = g.cout
        Parallel.forRanges(cout, grain: Swift.max(1, 2048 / cin)) { r in
            CK.kernels.winograd_kernels!(w, cin, cout, r.lowerBound, r.upperBound, rotated ? 1 : 0, u)
        }
    }

    /// `V_ξ[ci][tile] = (Bᵀ d B)_ξ` for one image's tiles, written from column 0 of `v` with
    /// leading dimension `ld` (the ξ matrices are `cin · ld` apart). `planes` holds two zeroed
    /// `(2·th + 2) × (2·tw + 2)` buffers (`planeFloats` each); each channel is copied into one at
    /// offset (ph, pw) with every row split into its even and odd columns, so the 4×4 patches of
    /// tiles tx..<tx+4 are `even[tx…]`, `odd[tx…]`, `even[tx+1…]`, `odd[tx+1…]` of four rows:
    /// vector loads and stores, no bounds checks (the borders stay zero). The next channel is
    /// copied into the other buffer before this one is read (the loads then do not wait on the
    /// copy's stores). 4, 8 or 16 tiles at a time (`CKernels`, by row length and instruction set):
    /// a tile row's last group spills up to 15 columns into the next row's (or next image's)
    /// tiles, written after it, or into the row's padding.
    static func transformInput(_ x: UnsafePointer<Float>, _ g: ConvGeometry, planes: UnsafeMutablePointer<Float>,
                               _ v: UnsafeMutablePointer<Float>, ld: Int) {
        let (th, tw) = tiles(g)
        CK.kernels.winograd_input!(x, g.c, g.h, g.w, g.ph, g.pw, th, tw, planes, planeFloats(g), v, ld)
    }

    /// One image's output `Aᵀ M A` (+ bias) from the products `m` (leading dimension `ld`, the ξ
    /// matrices `cout · ld` apart), into `out` (cout×ho×wo). 4–16 tiles at a time (a row's last
    /// group reads past the row into the next row or the padding); an odd last column or row
    /// drops the tile's extra half.
    static func transformOutput(_ m: UnsafePointer<Float>, ld: Int, _ g: ConvGeometry, bias: UnsafePointer<Float>?,
                                _ out: UnsafeMutablePointer<Float>) {
        let (th, tw) = tiles(g)
        CK.kernels.winograd_output!(m, ld, g.cout, g.ho, g.wo, th, tw, bias, out)
    }
}
