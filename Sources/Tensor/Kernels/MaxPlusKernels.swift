/// Kernels of the max-plus (tropical) convolution, NCHW.
///
/// `y[n,o,i,j] = max_{c,u,v} x[n,c,i·s−p+u, j·s−p+v] + w[o,c,u,v]`; a window position outside
/// the input counts as −∞ (it never wins). `argmax` keeps the fan-in index `(c·kh + u)·kw + v`
/// of the first maximum (−1 when every term is −∞), which is all the backward pass needs.
enum MaxPlusKernels {
    /// Forward pass; parallel over (image, output channel).
    static func forward(x: UnsafePointer<Float>, w: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>,
                        argmax: UnsafeMutablePointer<Int32>, _ g: ConvGeometry) {
        let plane = g.ho * g.wo, fanIn = g.c * g.kh * g.kw
        let xs = UncheckedSendable((x, w, out, argmax))
        Parallel.forEach(g.n * g.cout, grain: Swift.max(1, 65536 / Swift.max(plane * fanIn, 1))) { job in
            let (x, w, out, argmax) = xs.value
            let n = job / g.cout, o = job % g.cout
            let y = out + job * plane, a = argmax + job * plane
            for i in 0..<plane { y[i] = -.infinity; a[i] = -1 }
            for c in 0..<g.c {
                let xc = x + (n * g.c + c) * g.h * g.w
                for u in 0..<g.kh {
                    // Output rows whose input row i·s − p + u lies inside the image.
                    let i0 = Swift.max(0, ceilDiv(g.ph - u, g.sh)), i1 = Swift.min(g.ho, floorDiv(g.h - 1 + g.ph - u, g.sh) + 1)
                    if i0 >= i1 { continue }
                    for v in 0..<g.kw {
                        let j0 = Swift.max(0, ceilDiv(g.pw - v, g.sw)), j1 = Swift.min(g.wo, floorDiv(g.w - 1 + g.pw - v, g.sw) + 1)
                        if j0 >= j1 { continue }
                        let k = (c * g.kh + u) * g.kw + v
                        let wk = w[o * fanIn + k], k32 = Int32(k)
                        for i in i0..<i1 {
                            let row = xc + (i * g.sh - g.ph + u) * g.w - g.pw + v
                            let yr = y + i * g.wo, ar = a + i * g.wo
                            if g.sw == 1 {
                                for j in j0..<j1 {
                                    let t = row[j] + wk
                                    let better = t > yr[j]
                                    yr[j] = better ? t : yr[j]
                                    ar[j] = better ? k32 : ar[j]
                                }
                            } else {
                                for j in j0..<j1 {
                                    let t = row[j * g.sw] + wk
                                    if t > yr[j] { yr[j] = t; ar[j] = k32 }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Backward pass: each output's gradient goes to its arg-max input and weight (sub-gradient).
    /// `dx` is split over images, `dw` over output channels, so no two threads write one element.
    static func backward(dy: UnsafePointer<Float>, argmax: UnsafePointer<Int32>, dx: UnsafeMutablePointer<Float>?,
                         dw: UnsafeMutablePointer<Float>?, _ g: ConvGeometry) {
        let plane = g.ho * g.wo, fanIn = g.c * g.kh * g.kw, khw = g.kh * g.kw
        if let dx {
            let ps = UncheckedSendable((dy, argmax, dx))
            dx.initialize(repeating: 0, count: g.n * g.c * g.h * g.w)
            Parallel.forEach(g.n) { n in
                let (dy, argmax, dx) = ps.value
                let dxn = dx + n * g.c * g.h * g.w
                for o in 0..<g.cout {
                    let base = (n * g.cout + o) * plane
                    for i in 0..<g.ho {
                        for j in 0..<g.wo {
                            let k = Int(argmax[base + i * g.wo + j])
                            if k < 0 { continue }
                            let c = k / khw, u = (k % khw) / g.kw, v = k % g.kw
                            dxn[(c * g.h + i * g.sh - g.ph + u) * g.w + j * g.sw - g.pw + v] += dy[base + i * g.wo + j]
                        }
                    }
                }
            }
        }
        if let dw {
            let ps = UncheckedSendable((dy, argmax, dw))
            dw.initialize(repeating: 0, count: g.cout * fanIn)
            Parallel.forEach(g.cout) { o in
                let (dy, argmax, dw) = ps.value
                let dwo = dw + o * fanIn
                for n in 0..<g.n {
                    let base = (n * g.cout + o) * plane
                    for q in 0..<plane {
                        let k = Int(argmax[base + q])
                        if k >= 0 { dwo[k] += dy[base + q] }
                    }
                }
            }
        }
    }
}
