/// The gradient table: one vector–Jacobian product per primitive.
///
/// `inputGradients(g, needed:)` receives the gradient `g` of the primitive's output and returns,
/// for each input in recording order, the gradient with respect to that input (or `nil` where
/// `needed` is false). Runs with recording off; results are plain tensors.
extension Primitive {
    func inputGradients(_ g: Tensor, needed: [Bool]) -> [Tensor?] {
        func need(_ i: Int) -> Bool { i < needed.count && needed[i] }
        switch self {
        case .add(let ls, let rs):
            return [need(0) ? Kernels.sumTo(g, ls) : nil, need(1) ? Kernels.sumTo(g, rs) : nil]

        case .subtract(let ls, let rs):
            return [need(0) ? Kernels.sumTo(g, ls) : nil,
                    need(1) ? Kernels.map(Kernels.sumTo(g, rs)) { -$0 } : nil]

        case .multiply(let a, let b):
            return [need(0) ? Kernels.sumTo(Kernels.binaryTensor(MulF.self, g, b), a.shape) : nil,
                    need(1) ? Kernels.sumTo(Kernels.binaryTensor(MulF.self, g, a), b.shape) : nil]

        case .divide(let a, let b):
            // d(a/b)/da = 1/b, d(a/b)/db = −a/b²
            let gb = Kernels.binaryTensor(DivF.self, g, b)
            return [need(0) ? Kernels.sumTo(gb, a.shape) : nil,
                    need(1) ? Kernels.sumTo(Kernels.map(Kernels.binaryTensor(MulF.self,
                        Kernels.binaryTensor(DivF.self, gb, b), a)) { -$0 }, b.shape) : nil]

        case .scale(let c):
            return [Kernels.map(g, ScaleF(c: c))]

        case .shift:
            return [g]

        case .unary(let f, let x, let y):
            switch f {
            case .exp: return [Kernels.binaryTensor(MulF.self, g, y)]         // y
            case .log: return [Kernels.binaryTensor(DivF.self, g, x)]         // 1/x
            case .tanh: return [Kernels.zip(g, y) { $0 * (1 - $1 * $1) }]     // 1 − y²
            case .sigmoid: return [Kernels.zip(g, y) { $0 * $1 * (1 - $1) }]  // y(1 − y)
            case .sqrt: return [Kernels.zip(g, y) { $0 * 0.5 / $1 }]          // 1/(2y)
            }

        case .relu(let y):
            return [Kernels.reluBackward(g, y)]

        case .lookup(let derivative):
            // g·∂y/∂x, ∂y/∂x = post·[Q_o passes]·T′(q)·[Q_i passes]·scale from the forward pass (T′ the
            // segment's slope or the straight-through gain inside the grid, 0 outside).
            return [Kernels.binaryTensor(MulF.self, g, derivative)]

        case .reshape(let inputShape):
            return [Tensor(shape: inputShape, storage: g.storage)]

        case .transpose:
            return [Kernels.transpose(g)]

        case .concat(let axis, let shapes):
            return Kernels.split(g, axis: axis, shapes: shapes)

        case .slice(let axis, let shapes):
            // g in the slice, zeros before and after.
            let parts = [Tensor.zeros(shapes[0]), g, Tensor.zeros(shapes[2])]
            var shape = shapes[1]
            shape[axis] = shapes.reduce(0) { $0 + $1[axis] }
            return [Tensor(shape: shape, storage: Kernels.concat(parts, axis: axis, shape: shape))]

        case .sumTo(let inputShape):
            return [Kernels.broadcast(g, to: inputShape)]

        case .matmul(let a, let b):
            // C = A·B: dA = dC·Bᵀ, dB = Aᵀ·dC
            let m = a.shape[0], k = a.shape[1], n = b.shape[1]
            var da: Tensor?, db: Tensor?
            if need(0) {
                let s = TensorStorage(uninitializedCount: m * k)
                BLAS.parallelSgemm(transB: true, m: m, n: k, k: n, a: g.storage.base, lda: n, b: b.storage.base, ldb: n,
                           c: s.base, ldc: k)
                da = Tensor(shape: a.shape, storage: s)
            }
            if need(1) {
                let s = TensorStorage(uninitializedCount: k * n)
                BLAS.parallelSgemm(transA: true, m: k, n: n, k: m, a: a.storage.base, lda: k, b: g.storage.base, ldb: n,
                           c: s.base, ldc: n)
                db = Tensor(shape: b.shape, storage: s)
            }
            return [da, db]

        case .linear(let x, let w, let hasBias):
            // y = x·wᵀ + b: dx = dy·w, dw = dyᵀ·x, db = Σ_batch dy
            let batch = x.shape[0], fin = x.shape[1], fout = w.shape[0]
            var result: [Tensor?] = [nil, nil]
            if need(0) {
                let s = TensorStorage(uninitializedCount: batch * fin)
                BLAS.parallelSgemm(m: batch, n: fin, k: fout, a: g.storage.base, lda: fout, b: w.storage.base, ldb: fin,
                           c: s.base, ldc: fin)
                result[0] = Tensor(shape: x.shape, storage: s)
            }
            if need(1) {
                let s = TensorStorage(uninitializedCount: fout * fin)
                BLAS.parallelSgemm(transA: true, m: fout, n: fin, k: batch, a: g.storage.base, lda: fout,
                           b: x.storage.base, ldb: fin, c: s.base, ldc: fin)
                result[1] = Tensor(shape: w.shape, storage: s)
            }
            if hasBias { result.append(need(2) ? Kernels.sumTo(g, [1, fout]).reshapedRaw([fout]) : nil) }
            return result

        case .conv2d(let x, let w, let hasBias, let geo):
            let dx = need(0) ? TensorStorage(uninitializedCount: x.count) : nil
            let dw = need(1) ? TensorStorage(uninitializedCount: w.count) : nil
            let db = hasBias && need(2) ? TensorStorage(uninitializedCount: geo.cout) : nil
            ConvKernels.backward(x: x.storage.base, w: w.storage.base, dy: g.storage.base,
                                 dx: dx?.base, dw: dw?.base, db: db?.base, geo)
            var result: [Tensor?] = [dx.map { Tensor(shape: x.shape, storage: $0) },
                                     dw.map { Tensor(shape: w.shape, storage: $0) }]
            if hasBias { result.append(db.map { Tensor(shape: [geo.cout], storage: $0) }) }
            return result

        case .batchNorm(let x, let gamma, let mean, let invStd, let training, let sync, let count):
            // xhat = (x − μ)·σ⁻¹, y = γ·xhat + β. dγ = Σ dy·xhat, dβ = Σ dy.
            // Training (μ, σ depend on x): dx = γσ⁻¹·(dy − Σdy/M − xhat·Σ(dy·xhat)/M).
            // Synchronised: the sums in dx and M run over every process's batch (dγ, dβ stay this
            // process's: averaging them over the processes is the data-parallel gradient's job).
            let n = x.shape[0], c = x.shape[1], s = x.shape.dropFirst(2).reduce(1, *)
            let m = Float(count)
            var sumDy = [Float](repeating: 0, count: c), sumDyX = [Float](repeating: 0, count: c)
            sumDy.withUnsafeMutableBufferPointer { a in
                sumDyX.withUnsafeMutableBufferPointer { b in
                    guard let pa = a.baseAddress, let pb = b.baseAddress else { return }
                    NormKernels.gradientSums(x.storage.base, g.storage.base, n: n, c: c, s: s, mean: mean,
                                             sumDy: pa, sumDyX: pb)
                }
            }
            var totalDy = sumDy, totalDyX = sumDyX
            if let sync, training {
                var both = (sumDy + sumDyX).map(Double.init)
                sync.sum(&both)
                totalDy = both[0..<c].map(Float.init)
                totalDyX = both[c...].map(Float.init)
            }
            var dx: Tensor?
            if need(0) {
                var ca = [Float](repeating: 0, count: c), cb = ca, ck = ca
                for ch in 0..<c {
                    let a = gamma.storage.base[ch] * invStd[ch]
                    ca[ch] = a
                    if training {
                        cb[ch] = a * invStd[ch] * invStd[ch] * totalDyX[ch] / m
                        ck[ch] = cb[ch] * mean[ch] - a * totalDy[ch] / m
                    }
                }
                let out = TensorStorage(uninitializedCount: x.count)
                NormKernels.inputGradient(x.storage.base, g.storage.base, out.base, n: n, c: c, s: s, a: ca, b: cb, k: ck)
                dx = Tensor(shape: x.shape, storage: out)
            }
            let dGamma = need(1) ? Tensor(shape: [c], data: (0..<c).map { sumDyX[$0] * invStd[$0] }) : nil
            let dBeta = need(2) ? Tensor(shape: [c], data: sumDy) : nil
            return [dx, dGamma, dBeta]

        case .maxPlusConv2d(let argmax, let geo):
            // Sub-gradient of max: the output gradient goes to the arg-max term only,
            // dx[n,c*,i·s−p+u*,j·s−p+v*] += dy[n,o,i,j], dw[o,c*,u*,v*] += dy[n,o,i,j].
            let dx = need(0) ? TensorStorage(uninitializedCount: geo.n * geo.c * geo.h * geo.w) : nil
            let dw = need(1) ? TensorStorage(uninitializedCount: geo.cout * geo.c * geo.kh * geo.kw) : nil
            argmax.withUnsafeBufferPointer { am in
                if let p = am.baseAddress {
                    MaxPlusKernels.backward(dy: g.storage.base, argmax: p, dx: dx?.base, dw: dw?.base, geo)
                }
            }
            return [dx.map { Tensor(shape: [geo.n, geo.c, geo.h, geo.w], storage: $0) },
                    dw.map { Tensor(shape: [geo.cout, geo.c, geo.kh, geo.kw], storage: $0) }]

        case .maxPool2d(let inputShape, let argmax, let geo):
            let out = TensorStorage(uninitializedCount: inputShape.reduce(1, *))
            argmax.withUnsafeBufferPointer { am in
                if let p = am.baseAddress { PoolKernels.maxBackward(g.storage.base, p, out.base, geo) }
            }
            return [Tensor(shape: inputShape, storage: out)]

        case .avgPool2d(let inputShape, let geo):
            let out = TensorStorage(uninitializedCount: inputShape.reduce(1, *))
            PoolKernels.avgBackward(g.storage.base, out.base, geo)
            return [Tensor(shape: inputShape, storage: out)]

        case .globalAvgPool(let inputShape):
            let hw = inputShape[2] * inputShape[3]
            let flat = Kernels.broadcast(Tensor(shape: [g.count, 1], storage: g.storage), to: [g.count, hw])
            return [Kernels.map(flat) { $0 / Float(hw) }.reshapedRaw(inputShape)]

        case .softmaxCrossEntropy(let p, let labels, let eps):
            // d/dlogits of mean_i −Σ_j q_ij log p_ij = (p − q)/N
            let n = p.shape[0], k = p.shape[1]
            let scale = g.storage.base[0] / Float(Swift.max(n, 1))
            let off = eps / Float(k), on = 1 - eps + off
            let out = TensorStorage(uninitializedCount: n * k)
            for i in 0..<n {
                for j in 0..<k {
                    out.base[i * k + j] = (p.storage.base[i * k + j] - (j == labels[i] ? on : off)) * scale
                }
            }
            return [Tensor(shape: p.shape, storage: out)]
        }
    }
}

extension Tensor {
    /// Reshape without recording (gradient code).
    func reshapedRaw(_ s: [Int]) -> Tensor { Tensor(shape: s, storage: storage) }
}
