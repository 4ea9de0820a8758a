/// Pooling kernels over NCHW planes, parallel over (n, c) planes.
enum PoolKernels {
    /// Max pooling; `argmax` receives, per output, the flat index of the winner inside its input plane.
    /// (Pooling windows have dilation 1 and padding ≤ kernel/2, so every window is non-empty.)
    static func maxForward(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
                           _ argmax: UnsafeMutablePointer<Int32>, _ g: ConvGeometry) {
        let planes = g.n * g.c, hw = g.h * g.w, ho = g.ho, wo = g.wo, w = g.w
        Parallel.forEach(planes, grain: Swift.max(1, 8192 / Swift.max(hw, 1))) { pl in
            let src = x + pl * hw, dst = out + pl * ho * wo, am = argmax + pl * ho * wo
            for oy in 0..<ho {
                let y0 = oy * g.sh - g.ph
                let ys = Swift.max(0, y0), ye = Swift.min(g.h, y0 + g.kh)
                for ox in 0..<wo {
                    let x0 = ox * g.sw - g.pw
                    let xs = Swift.max(0, x0), xe = Swift.min(w, x0 + g.kw)
                    var bi = ys * w + xs
                    var best = src[bi]
                    for iy in ys..<ye {
                        let row = iy * w
                        for ix in xs..<xe where src[row + ix] > best {
                            best = src[row + ix]; bi = row + ix
                        }
                    }
                    dst[oy * wo + ox] = best
                    am[oy * wo + ox] = Int32(truncatingIfNeeded: bi)
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
            for q in 0..<p { d[Int(am[q])] += gy[q] }
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
