import CKernels
import Foundation

/// Winograd convolution F(m×m, 3×3), m = 2 or 4 (Lavin & Gray, "Fast Algorithms for
/// Convolutional Neural Networks", 2016), for 3×3, stride-1, undilated, ungrouped layers. Each
/// m×m output tile is
///
///     Y = Aᵀ [ Σ_c (G g_c Gᵀ) ⊙ (Bᵀ d_c B) ] A
///
/// with `g_c` the 3×3 kernel and `d_c` the α×α input patch (α = m + 2) of channel `c`. F(2×2, 3×3):
///
///     Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1],  G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1],
///     Aᵀ = [1 1 1 0; 0 1 −1 −1].
///
/// F(4×4, 3×3) (interpolation points 0, ±1, ±2, ∞):
///
///     Bᵀ = [4 0 −5 0 1 0; 0 −4 −4 1 1 0; 0 4 −4 −1 1 0; 0 −2 −1 2 1 0; 0 2 −1 −2 1 0; 0 4 0 −5 0 1],
///     G  = [¼ 0 0; −⅙ −⅙ −⅙; −⅙ ⅙ −⅙; 1/24 1/12 ⅙; 1/24 −1/12 ⅙; 0 0 1],
///     Aᵀ = [1 1 1 1 1 0; 0 1 −1 2 −2 0; 0 1 1 4 4 0; 0 1 −1 8 −8 1].
///
/// The channel sums of the α² element-wise products are α² sgemms `M_ξ = U_ξ · V_ξ` (`U_ξ`:
/// cout×cin transformed kernels, `V_ξ`: cin×tiles transformed input), so an output pixel costs
/// α²/m² multiply-adds per channel pair instead of 9: 4 for F(2×2) (2.25× fewer than im2col),
/// 2.25 for F(4×4) (4×). F(4×4)'s transforms have larger factors, so its float32 error is larger:
/// on ResNet-18's layers 1–5× F(2×2)'s mean error (about 1e-6 of the output's RMS) and up to 27×
/// its largest (bench/README.md "Winograd F(4×4, 3×3)", `WinogradTests.testErrorOnResNetLayers`).
///
/// The input gradient of such a layer is the same kind of convolution: `dy` convolved with the
/// kernel rotated by 180° with its channel axes swapped, padding `2 − p` (`inputGradientGeometry`).
enum Winograd {
    /// Output tile edge m of F(m×m, 3×3).
    enum Tile: Int, Sendable {
        case f2 = 2, f4 = 4
        /// Transformed elements per tile, α² = (m + 2)²: the number of sgemms.
        var elements: Int { (rawValue + 2) * (rawValue + 2) }
    }

    /// Which tile size eligible layers use: always F(2×2), always F(4×4), or per layer (`auto`:
    /// F(4×4) when both output sides are at least `f4MinimumSide`). The default comes from the
    /// environment variable `KELVIN_WINOGRAD` (`2`, `4` or `auto`; unset is `auto`, and any other
    /// value is `auto` with a warning on stderr). Mutable only for tests and measurements (set
    /// before any conv runs).
    enum Mode: String, Sendable { case f2 = "2", f4 = "4", auto }
    nonisolated(unsafe) static var mode: Mode = {
        guard let value = ProcessInfo.processInfo.environment["KELVIN_WINOGRAD"], !value.isEmpty else { return .auto }
        if let mode = Mode(rawValue: value) { return mode }
        FileHandle.standardError.write(Data("kelvin: warning: KELVIN_WINOGRAD=\(value) is not 2, 4 or auto; using auto\n".utf8))
        return .auto
    }()
    /// `auto`'s crossover: the smallest output side where F(4×4) is faster. Per layer at 64–512
    /// channels (bench/winograd/layers.c), F(4×4) wins from 7×7 up (its 2×2 tiles cover 8×8 with
    /// 36 products each against F(2×2)'s 16 tiles of 16) and loses at 6×6 and 5×5 (the same
    /// sgemm work, dearer transforms) and at 4×4 (one tile per row: a quarter of each vector).
    nonisolated(unsafe) static var f4MinimumSide = 7

    /// Smallest channel count (input and output) worth the transforms. Mutable only for tests
    /// (set before any conv runs): 1 sends every eligible layer here, `Int.max` none.
    nonisolated(unsafe) static var minChannels = 16
    /// Floats of transformed input and products (V and M) per block of images, per core.
    /// Mutable only for tests (a small budget forces one-image blocks).
    nonisolated(unsafe) static var blockBudget = 1 << 21

    /// The tile size `mode` gives this layer.
    static func tile(_ g: ConvGeometry) -> Tile {
        switch mode {
        case .f2: return .f2
        case .f4: return .f4
        case .auto: return Swift.min(g.ho, g.wo) >= f4MinimumSide ? .f4 : .f2
        }
    }

    /// Tiles per image: the output covered by m×m tiles.
    static func tiles(_ g: ConvGeometry, _ tile: Tile) -> (h: Int, w: Int) {
        let m = tile.rawValue
        return ((g.ho + m - 1) / m, (g.wo + m - 1) / m)
    }

    /// Whether `forward` computes this layer: 3×3, stride 1, no dilation or groups, enough
    /// channels, and one image's transforms within a few block budgets.
    static func applies(_ g: ConvGeometry) -> Bool {
        guard g.kh == 3, g.kw == 3, g.sh == 1, g.sw == 1, g.dh == 1, g.dw == 1, g.groups == 1,
              g.c >= minChannels, g.cout >= minChannels, g.ho >= 1, g.wo >= 1 else { return false }
        let tile = tile(g), t = tiles(g, tile)
        return tile.elements * (g.c + g.cout) * t.h * t.w <= 4 * blockBudget
    }

    /// The convolution whose output is the input gradient of `g` (input `dy`, output `dx`),
    /// when `forward` can run it.
    static func inputGradientGeometry(_ g: ConvGeometry) -> ConvGeometry? {
        guard applies(g), g.ph <= 2, g.pw <= 2 else { return nil }
        let t = ConvGeometry(n: g.n, c: g.cout, h: g.ho, w: g.wo, cout: g.c, kh: 3, kw: 3, sh: 1, sw: 1,
                             ph: 2 - g.ph, pw: 2 - g.pw, dh: 1, dw: 1, groups: 1)
        return applies(t) && t.ho == g.h && t.wo == g.w ? t : nil
    }

    /// `out[n, co] = Σ_ci w[co, ci] ⋆ x[n, ci] + bias[co]` for a geometry where `applies` holds,
    /// with the tile size `tile(g)`. With `rotated`, `w` is laid out `[g.c][g.cout][3][3]` and used
    /// rotated by 180° with its channel axes swapped (the input gradient of the layer that owns `w`).
    /// Each core takes a contiguous range of images, in blocks sized by `blockBudget`.
    static func forward(x: UnsafePointer<Float>, w: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                        out: UnsafeMutablePointer<Float>, _ g: ConvGeometry, rotated: Bool = false) {
        let cin = g.c, cout = g.cout, tile = tile(g), e = tile.elements
        Scratch.with(e * cout * cin) { u in
            transformKernels(w, g, tile, rotated: rotated, into: u)
            let (th, tw) = tiles(g, tile), perImage = th * tw
            let planeSize = 2 * planeFloats(g, tile)
            let T = Swift.min(Parallel.threads, g.n)
            Parallel.forEach(T) { t in
                let lo = g.n * t / T, hi = g.n * (t + 1) / T
                let nb = Swift.max(1, Swift.min(hi - lo, blockBudget / (e * (cin + cout) * perImage)))
                let ld = nb * perImage + padding, vs = matrixStride(cin * ld), ms = matrixStride(cout * ld)
                Scratch.with(e * (vs + ms) + planeSize) { block in
                    let v = block, m = v + e * vs, plane = m + e * ms
                    plane.update(repeating: 0, count: planeSize)
                    var n0 = lo
                    while n0 < hi {
                        let count = Swift.min(nb, hi - n0)
                        for i in 0..<count {
                            transformInput(x + (n0 + i) * cin * g.h * g.w, g, tile, planes: plane, v + i * perImage,
                                           ld: ld, stride: vs)
                        }
                        for xi in 0..<e {
                            BLAS.sgemm(m: cout, n: count * perImage, k: cin, a: u + xi * cout * cin, lda: cin,
                                       b: v + xi * vs, ldb: ld, c: m + xi * ms, ldc: ld)
                        }
                        for i in 0..<count {
                            transformOutput(m + i * perImage, ld: ld, stride: ms, g, tile, bias: bias,
                                            out + (n0 + i) * cout * g.ho * g.wo)
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
    /// α² sgemms over the same transformed tiles (missing outputs of partial edge tiles have zero
    /// gradient). Cores split the batch, each accumulating a private ∂L/∂U, summed at the end.
    static func weightGradient(x: UnsafePointer<Float>, dy: UnsafePointer<Float>, dw: UnsafeMutablePointer<Float>,
                               db: UnsafeMutablePointer<Float>?, _ g: ConvGeometry) {
        let tile = tile(g), e = tile.elements
        let cin = g.c, cout = g.cout, uCount = e * cout * cin, P = g.ho * g.wo
        let (th, tw) = tiles(g, tile), perImage = th * tw
        let planeSize = 2 * planeFloats(g, tile), gradientPlaneSize = gradientPlaneFloats(g, tile)
        let T = Swift.min(Parallel.threads, g.n)
        Scratch.with(uCount * T) { du in
            Parallel.forEach(T) { t in
                let lo = g.n * t / T, hi = g.n * (t + 1) / T
                let nb = Swift.max(1, Swift.min(hi - lo, blockBudget / (e * (cin + cout) * perImage)))
                let ld = nb * perImage + padding, vs = matrixStride(cin * ld), ds = matrixStride(cout * ld)
                let dut = du + t * uCount
                dut.update(repeating: 0, count: uCount)
                Scratch.with(e * (vs + ds) + planeSize + gradientPlaneSize) { block in
                    let v = block, d = v + e * vs, plane = d + e * ds, gradientPlane = plane + planeSize
                    plane.update(repeating: 0, count: planeSize + gradientPlaneSize)
                    var n0 = lo
                    while n0 < hi {
                        let count = Swift.min(nb, hi - n0)
                        for i in 0..<count {
                            transformInput(x + (n0 + i) * cin * g.h * g.w, g, tile, planes: plane, v + i * perImage,
                                           ld: ld, stride: vs)
                            transformGradient(dy + (n0 + i) * cout * P, g, tile, plane: gradientPlane, d + i * perImage,
                                              ld: ld, stride: ds)
                        }
                        for xi in 0..<e {
                            BLAS.sgemm(transB: true, m: cout, n: cin, k: count * perImage, a: d + xi * ds, lda: ld,
                                       b: v + xi * vs, ldb: ld, beta: 1, c: dut + xi * cout * cin, ldc: cin)
                        }
                        n0 += count
                    }
                }
            }
            // Sum the cores' ∂L/∂U, then ∂L/∂g = Gᵀ (∂L/∂U) G per kernel.
            Parallel.forRanges(cout, grain: Swift.max(1, 2048 / cin)) { r in
                switch tile {
                case .f2: CK.kernels.winograd_weight_gradient!(du, cin, cout, T, uCount, r.lowerBound, r.upperBound, dw)
                case .f4: CK.kernels.winograd4_weight_gradient!(du, cin, cout, T, uCount, r.lowerBound, r.upperBound, dw)
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
    /// like `transformInput`'s V (leading dimension `ld`, ξ matrices `stride` apart, the same
    /// spill). Each channel is copied into the zeroed `plane` (`gradientPlaneFloats`), so missing
    /// rows and columns of partial edge tiles read as zero gradient. F(2×2): 2·th rows of
    /// `gradientPlaneWidth`, split into even and odd columns by shuffles after the loads; F(4×4):
    /// `transformInput`'s layout (four column phases per row), split while copying.
    static func transformGradient(_ dy: UnsafePointer<Float>, _ g: ConvGeometry, _ tile: Tile,
                                  plane: UnsafeMutablePointer<Float>, _ d: UnsafeMutablePointer<Float>, ld: Int, stride: Int) {
        let (th, tw) = tiles(g, tile)
        switch tile {
        case .f2: CK.kernels.winograd_gradient!(dy, g.cout, g.ho, g.wo, th, tw, plane, gradientPlaneWidth(g), d, ld, stride)
        case .f4: CK.kernels.winograd4_gradient!(dy, g.cout, g.ho, g.wo, th, tw, plane, d, ld, stride)
        }
    }

    /// Row length of F(2×2) `transformGradient`'s plane: a row's last group of 16 tiles reads 32 columns.
    static func gradientPlaneWidth(_ g: ConvGeometry) -> Int { 2 * tiles(g, .f2).w + 32 }

    /// Floats of `transformGradient`'s plane.
    static func gradientPlaneFloats(_ g: ConvGeometry, _ tile: Tile) -> Int {
        switch tile {
        case .f2: return 2 * tiles(g, .f2).h * gradientPlaneWidth(g)
        case .f4: return planeFloats(g, .f4)
        }
    }

    /// Floats of one of `transformInput`'s two planes: `(2·th + 2) × (2·tw + 2)` for F(2×2),
    /// `(4·th + 2) × 4·(tw + 1)` for F(4×4), and the padding.
    static func planeFloats(_ g: ConvGeometry, _ tile: Tile) -> Int {
        let (th, tw) = tiles(g, tile)
        switch tile {
        case .f2: return (2 * th + 2) * (2 * tw + 2) + padding
        case .f4: return (4 * th + 2) * 4 * (tw + 1) + padding
        }
    }

    /// Floats after each row of V and M and after the plane: the transforms work on up to 16 tiles
    /// at a time, and a row's last group may read, and in V write, up to 15 tiles past its end.
    static let padding = 16

    /// Distance between the ξ matrices of V, M or D holding `floats` each: rounded up to an odd
    /// multiple of 16 floats (64-byte lines). A transform reads or writes the α² matrices at once;
    /// at `cin · ld` apart (a multiple of 4 KiB whenever the channels are a multiple of 64 and the
    /// tiles per block of 16), all α² streams fall into the same L1 sets and the transforms ran
    /// 1.5–3× slower (bench/winograd/layers.c, SKEW=0).
    static func matrixStride(_ floats: Int) -> Int { 16 * (((floats + 15) / 16) | 1) }

    /// `U_ξ[co][ci] = (G g Gᵀ)_ξ` for every kernel, `ξ = α·row + column`.
    static func transformKernels(_ w: UnsafePointer<Float>, _ g: ConvGeometry, _ tile: Tile, rotated: Bool,
                                 into u: UnsafeMutablePointer<Float>) {
        let cin = g.c, cout = g.cout
        Parallel.forRanges(cout, grain: Swift.max(1, 2048 / cin)) { r in
            switch tile {
            case .f2: CK.kernels.winograd_kernels!(w, cin, cout, r.lowerBound, r.upperBound, rotated ? 1 : 0, u)
            case .f4: CK.kernels.winograd4_kernels!(w, cin, cout, r.lowerBound, r.upperBound, rotated ? 1 : 0, u)
            }
        }
    }

    /// `V_ξ[ci][tile] = (Bᵀ d B)_ξ` for one image's tiles, written from column 0 of `v` with
    /// leading dimension `ld` (the ξ matrices `stride` ≥ `cin · ld` apart, `matrixStride`). `planes` holds two zeroed
    /// buffers (`planeFloats` each); each channel is copied into one at offset (ph, pw) with its
    /// rows split by column so that the patches of LANES consecutive tiles are vector loads, with
    /// no bounds checks (the borders stay zero):
    ///
    /// - F(2×2): `(2·th + 2) × (2·tw + 2)`, each row split into its even and odd columns; the 4×4
    ///   patches of tiles tx..<tx+L are `even[tx…]`, `odd[tx…]`, `even[tx+1…]`, `odd[tx+1…]` of four rows.
    /// - F(4×4): `4·th + 2` rows, each split into its four column phases `phase_p[k] = row[4k + p]`
    ///   (`tw + 1` floats each); the 6×6 patches are `phase_0…phase_3[tx…]`, `phase_0, phase_1[tx+1…]`
    ///   of six rows (tiles overlap by two columns, which the `+1` loads share).
    ///
    /// The next channel is copied into the other buffer before this one is read (the loads then do
    /// not wait on the copy's stores). 4, 8 or 16 tiles at a time (`CKernels`, by row length and
    /// instruction set): a tile row's last group spills up to 15 columns into the next row's (or
    /// next image's) tiles, written after it, or into the row's padding.
    static func transformInput(_ x: UnsafePointer<Float>, _ g: ConvGeometry, _ tile: Tile, planes: UnsafeMutablePointer<Float>,
                               _ v: UnsafeMutablePointer<Float>, ld: Int, stride: Int) {
        let (th, tw) = tiles(g, tile), size = planeFloats(g, tile)
        switch tile {
        case .f2: CK.kernels.winograd_input!(x, g.c, g.h, g.w, g.ph, g.pw, th, tw, planes, size, v, ld, stride)
        case .f4: CK.kernels.winograd4_input!(x, g.c, g.h, g.w, g.ph, g.pw, th, tw, planes, size, v, ld, stride)
        }
    }

    /// One image's output `Aᵀ M A` (+ bias) from the products `m` (leading dimension `ld`, the ξ
    /// matrices `stride` apart), into `out` (cout×ho×wo). 4–16 tiles at a time (a row's last
    /// group reads past the row into the next row or the padding); the columns and rows of partial
    /// edge tiles past the output are dropped (masked stores).
    static func transformOutput(_ m: UnsafePointer<Float>, ld: Int, stride: Int, _ g: ConvGeometry, _ tile: Tile,
                                bias: UnsafePointer<Float>?, _ out: UnsafeMutablePointer<Float>) {
        let (th, tw) = tiles(g, tile)
        switch tile {
        case .f2: CK.kernels.winograd_output!(m, ld, stride, g.cout, g.ho, g.wo, th, tw, bias, out)
        case .f4: CK.kernels.winograd4_output!(m, ld, stride, g.cout, g.ho, g.wo, th, tw, bias, out)
        }
    }
}
