/// Pooling kernels over NCHW planes, parallel over (n, c) planes.
enum PoolKernels {
    /// Max pooling; `argmax` receives, per output, the flat index of the winner inside its input plane.
    static func maxForward(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
                           _ argmax: UnsafeMutablePointer<Int32>, _ g: ConvGeometry) {
        let planes = g.n * g.c, hw = g.h * g.w, ho = g.ho, wo = g.wo
        Parallel.forEach(planes, grain: Swift.max(1, 8192 / Swift.max(hw, 1))) { pl in
            let src = x + pl * hw, dst = out + pl * ho * wo, am = argmax + pl * ho * wo
            for oy in 0..<ho {
                let y0 = oy * g.sh - g.ph
                for ox in 0..<wo {
                    let x0 = ox * g.sw - g.pw
                    var best = -Float.infinity, bi = -1
                    for i in 0..<g.kh {
                        let iy = y0 + i * g.dh
                        if iy < 0 || iy >= g.h { continue }
                        for j in 0..<g.kw {
                            let ix = x0 + j * g.dw
                            if ix < 0 || ix >= g.w { continue }
                            let v = src[iy * g.w + ix]
                            if v > best || bi < 0 || v.isNaN { best = v; bi = iy * g.w + ix }
                        }
                    }
                    dst[oy * wo + ox] = best
                    am[oy * wo + ox] = Int32(bi)
                }
            }
        }
    }

    static func maxBackward(_ dy: UnsafePointer<Float>, _ argmax: UnsafePointer<Int32>,
                            _ dx: UnsafeMutablePointer<Float>, _ g: ConvGeometry) {
        let planes = g.n * g.c, hw = g.h * g.w, p = g.ho * g.wo
        dx.update(repeating: 0, count: planes * hw)
        Parallel.forEach(planes, grain: Swift.max(1, 8192 / Swift.max(hw, 1))) { pl in
            let d = dx + pl * hw, gy = dy + pl * p, am = argmax + pl * p
            for q in 0..<p where am[q] >= 0 { d[Int(am[q])] += gy[q] }
        }
    }

    /// Average pooling, padding counted in the divisor (PyTorch's `count_include_pad=True`).
    static func avgForward(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ g: ConvGeometry) {
        let planes = g.n * g.c, hw = g.h * g.w, ho = g.ho, wo = g.wo
        let inv = 1 / Float(g.kh * g.kw)
        Parallel.forEach(planes, grain: Swift.max(1, 8192 / Swift.max(hw, 1))) { pl in
            let src = x + pl * hw, dst = out + pl * ho * wo
            for oy in 0..<ho {
                for ox in 0..<wo {
                    var s: Float = 0
                    for i in 0..<g.kh {
                        let iy = oy * g.sh - g.ph + i
                        if iy < 0 || iy >= g.h { continue }
                        for j in 0..<g.kw {
                            let ix = ox * g.sw - g.pw + j
                            if ix < 0 || ix >= g.w { continue }
                            s += src[iy * g.w + ix]
                        }
                    }
                    dst[oy * wo + ox] = s * inv
                }
            }
        }
    }

    static func avgBackward(_ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, _ g: ConvGeometry) {
        let planes = g.n * g.c, hw = g.h * g.w, ho = g.ho, wo = g.wo
        let inv = 1 / Float(g.kh * g.kw)
        dx.update(repeating: 0, count: planes * hw)
        Parallel.forEach(planes, grain: Swift.max(1, 8192 / Swift.max(hw, 1))) { pl in
            let d = dx + pl * hw, gy = dy + pl * ho * wo
            for oy in 0..<ho {
                for ox in 0..<wo {
                    let v = gy[oy * wo + ox] * inv
                    for i in 0..<g.kh {
                        let iy = oy * g.sh - g.ph + i
                        if iy < 0 || iy >= g.h { continue }
                        for j in 0..<g.kw {
                            let ix = ox * g.sw - g.pw + j
                            if ix < 0 || ix >= g.w { continue }
                            d[iy * g.w + ix] += v
                        }
                    }
                }
            }
        }
    }
}
