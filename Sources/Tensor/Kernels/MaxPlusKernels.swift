import CKernels

/// Kernels of the max-plus (tropical) convolution, NCHW.
///
/// `y[n,o,i,j] = max_{c,u,v} x[n,c,i·s−p+u, j·s−p+v] + w[o,c,u,v]`; a window position outside
/// the input counts as −∞ (it never wins). `argmax` keeps the fan-in index `(c·kh + u)·kw + v`
/// of the first maximum (−1 when every term is −∞), which is all the backward pass needs.
enum MaxPlusKernels {
    /// Images per group of the packed input (the innermost dimension of its planes, see `CKMaxPlus`).
    static let group = 16

    /// The geometry and packed-input layout the C kernels take (`CKMaxPlus` in CKernels.h).
    static func layout(_ g: ConvGeometry) -> CKMaxPlus {
        let hq = g.ho + (g.kh - 1) / g.sh, wq = g.wo + (g.kw - 1) / g.sw
        let images = Swift.min(group, g.n)
        // 16 floats of −∞ after the last position (a vector read past a run's end), rounded to 64 bytes.
        let plane = (hq * wq * images + 16 + 15) / 16 * 16
        return CKMaxPlus(n: g.n, c: g.c, h: g.h, w: g.w, cout: g.cout, kh: g.kh, kw: g.kw, sh: g.sh, sw: g.sw,
                         ph: g.ph, pw: g.pw, ho: g.ho, wo: g.wo, hq: hq, wq: wq, group: images, plane: plane,
                         ldw: (g.cout + 7) / 8 * 8)
    }

    /// Forward pass on the C kernels (`maxplus_pack`, `maxplus_forward`): the input packed with its
    /// images innermost and −∞ padding, the weights transposed to `wt[k][o]`; then jobs of (image
    /// group, 8 output channels, output rows), parallel. Bit-identical to the definition: the
    /// terms are visited in fan-in order and replace the maximum only when strictly greater.
    /// `argmax` nil: the values alone.
    static func forward(x: UnsafePointer<Float>, w: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>,
                        argmax: UnsafeMutablePointer<Int32>?, _ g: ConvGeometry) {
        var m = layout(g)
        let fanIn = g.c * g.kh * g.kw, groups = (g.n + m.group - 1) / m.group, ldw = m.ldw
        let packed = UnsafeMutablePointer<Float>.allocate(capacity: groups * g.c * g.sh * g.sw * m.plane)
        let wt = UnsafeMutablePointer<Float>.allocate(capacity: fanIn * ldw)
        defer { packed.deallocate(); wt.deallocate() }
        for k in 0..<fanIn {
            for o in 0..<ldw { wt[k * ldw + o] = o < g.cout ? w[o * fanIn + k] : -.infinity }
        }
        let ps = UncheckedSendable((x, packed, wt, out, argmax))
        Parallel.forEach(groups * g.c, grain: Swift.max(1, 16384 / Swift.max(m.plane * g.sh * g.sw, 1))) { job in
            let (x, packed, _, _, _) = ps.value
            CK.kernels.maxplus_pack!(x, &m, job / g.c, job % g.c, packed)
        }
        // A job's rows fill about one tile (512 positions) of the C kernel.
        let rows = Swift.max(1, Swift.min(g.ho, 512 / Swift.max(m.wq * m.group, 1)))
        let chunks = (g.ho + rows - 1) / rows, blocks = ldw / 8
        Parallel.forEach(groups * blocks * chunks) { job in
            let (_, packed, wt, out, argmax) = ps.value
            let chunk = job % chunks, block = (job / chunks) % blocks, grp = job / (chunks * blocks)
            CK.kernels.maxplus_forward!(&m, packed, wt, grp, block * 8, Swift.min(block * 8 + 8, g.cout),
                                        chunk * rows, Swift.min(chunk * rows + rows, g.ho), out, argmax)
        }
    }

    /// Backward pass: each output's gradient goes to its arg-max input and weight (sub-gradient), on
    /// the C kernels (`maxplus_input_gradient`, `maxplus_weight_gradient`). `dx` is split over
    /// blocks of four images, `dw` over blocks of four output channels, so no two threads write one
    /// element; each element sums its terms in the order (o, i, j), resp. (n, i, j), whatever the threads.
    static func backward(dy: UnsafePointer<Float>, argmax: UnsafePointer<Int32>, dx: UnsafeMutablePointer<Float>?,
                         dw: UnsafeMutablePointer<Float>?, _ g: ConvGeometry) {
        var m = layout(g)
        let ps = UncheckedSendable((dy, argmax, dx, dw))
        if dx != nil {
            // Offset of fan-in term k = (c·kh + u)·kw + v from its window's origin in one image.
            var offsets = [Int](repeating: 0, count: g.c * g.kh * g.kw)
            for c in 0..<g.c { for u in 0..<g.kh { for v in 0..<g.kw {
                offsets[(c * g.kh + u) * g.kw + v] = (c * g.h + u) * g.w + v
            } } }
            offsets.withUnsafeBufferPointer { off in
                let table = UncheckedSendable(off.baseAddress!)
                Parallel.forEach((g.n + 3) / 4) { block in
                    let (dy, argmax, dx, _) = ps.value
                    CK.kernels.maxplus_input_gradient!(dy, argmax, table.value, &m, block * 4, Swift.min(g.n, block * 4 + 4), dx)
                }
            }
        }
        if dw != nil {
            Parallel.forEach((g.cout + 3) / 4) { block in
                let (dy, argmax, _, dw) = ps.value
                CK.kernels.maxplus_weight_gradient!(dy, argmax, &m, block * 4, Swift.min(g.cout, block * 4 + 4), dw)
            }
        }
    }
}
