import CKernels

/// Element-wise kernels with NumPy broadcasting, and the broadcast/reduce pair used by gradients.
///
/// Shapes are aligned on the right; dimensions of size 1 broadcast. Loops run over coalesced
/// rows (adjacent dimensions with compatible strides are merged) so per-channel broadcasts such
/// as `[N,C,H,W] + [1,C,1,1]` have an inner loop over `H·W` contiguous elements.
protocol BinaryFunction { static func apply(_ a: Float, _ b: Float) -> Float }
enum AddF: BinaryFunction { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a + b } }
enum SubF: BinaryFunction { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a - b } }
enum MulF: BinaryFunction { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a * b } }
enum DivF: BinaryFunction { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a / b } }

/// An element-wise function of one value as a type, so that `Kernels.map` specialises for it and
/// inlines it into its loop (a closure is called per element: ~2 ns against a fraction of one).
protocol UnaryKernel { func callAsFunction(_ x: Float) -> Float }
/// `x + c`.
struct ShiftF: UnaryKernel { let c: Float; @inline(__always) func callAsFunction(_ x: Float) -> Float { x + c } }
/// `x · c`.
struct ScaleF: UnaryKernel { let c: Float; @inline(__always) func callAsFunction(_ x: Float) -> Float { x * c } }

/// A strided iteration plan over an output of `dims` (outermost first) for two operands.
struct BroadcastPlan {
    var dims: [Int]
    var strideA: [Int]
    var strideB: [Int]
    var rows: Int { dims.dropLast().reduce(1, *) }
    var inner: Int { dims.last ?? 1 }

    /// Plans `out = f(a, b)`: output contiguous with shape `out`; `a`, `b` broadcast into it.
    init(out: [Int], a: [Int], b: [Int]) {
        func strides(_ s: [Int]) -> [Int] {
            let padded = Array(repeating: 1, count: out.count - s.count) + s
            var st = Array(repeating: 0, count: out.count)
            var acc = 1
            for i in stride(from: out.count - 1, through: 0, by: -1) {
                st[i] = padded[i] == 1 ? 0 : acc
                acc *= padded[i]
            }
            return st
        }
        let sa = strides(a), sb = strides(b)
        var d: [Int] = [], pa: [Int] = [], pb: [Int] = []
        for i in 0..<out.count where out[i] != 1 {
            if let da = pa.last, let db = pb.last, da == sa[i] * out[i], db == sb[i] * out[i] {
                // merge dimension i into the previous one
                d[d.count - 1] *= out[i]
                pa[pa.count - 1] = sa[i]
                pb[pb.count - 1] = sb[i]
            } else {
                d.append(out[i]); pa.append(sa[i]); pb.append(sb[i])
            }
        }
        if d.isEmpty { d = [1]; pa = [0]; pb = [0] }
        dims = d; strideA = pa; strideB = pb
    }

    /// Calls `body(offsetA, offsetB, offsetOut)` for each row in `rows`; inner strides are
    /// `strideA.last`, `strideB.last`, and 1 for the output.
    func forEachRow(_ rows: Range<Int>, _ body: (Int, Int, Int) -> Void) {
        let outer = dims.count - 1
        if outer == 0 {
            if !rows.isEmpty { body(0, 0, 0) }
            return
        }
        var idx = Array(repeating: 0, count: outer)
        var r = rows.lowerBound
        var oa = 0, ob = 0
        for k in stride(from: outer - 1, through: 0, by: -1) {
            idx[k] = r % dims[k]; r /= dims[k]
            oa += idx[k] * strideA[k]; ob += idx[k] * strideB[k]
        }
        let n = inner
        for row in rows {
            body(oa, ob, row * n)
            // increment the multi-index
            var k = outer - 1
            while k >= 0 {
                idx[k] += 1; oa += strideA[k]; ob += strideB[k]
                if idx[k] < dims[k] { break }
                oa -= strideA[k] * dims[k]; ob -= strideB[k] * dims[k]
                idx[k] = 0
                k -= 1
            }
        }
    }
}

enum Kernels {
    static let parallelGrain = 1 << 15

    /// Broadcast result shape of `a` and `b`, or `nil` when incompatible.
    static func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int]? {
        let n = Swift.max(a.count, b.count)
        let pa = Array(repeating: 1, count: n - a.count) + a
        let pb = Array(repeating: 1, count: n - b.count) + b
        var out: [Int] = []
        for i in 0..<n {
            if pa[i] == pb[i] || pb[i] == 1 { out.append(pa[i]) } else if pa[i] == 1 { out.append(pb[i]) } else { return nil }
        }
        return out
    }

    static func binary<F: BinaryFunction>(_: F.Type, _ a: Tensor, _ b: Tensor, _ opName: String) -> (TensorStorage, [Int]) {
        guard let shape = broadcastShape(a.shape, b.shape) else {
            preconditionFailure("\(opName): shapes \(a.shape) and \(b.shape) do not broadcast")
        }
        let count = shape.reduce(1, *)
        let out = TensorStorage(uninitializedCount: count)
        let pa = a.storage.base, pb = b.storage.base, po = out.base
        if a.shape == b.shape {
            Parallel.forRanges(count, grain: parallelGrain) { r in
                if F.self == AddF.self {
                    CK.kernels.add!(pa + r.lowerBound, pb + r.lowerBound, po + r.lowerBound, r.count)
                } else {
                    for i in r { po[i] = F.apply(pa[i], pb[i]) }
                }
            }
            return (out, shape)
        }
        let plan = BroadcastPlan(out: shape, a: a.shape, b: b.shape)
        let n = plan.inner, sa = plan.strideA.last!, sb = plan.strideB.last!
        Parallel.forRanges(plan.rows, grain: Swift.max(1, parallelGrain / Swift.max(n, 1))) { rows in
            plan.forEachRow(rows) { oa, ob, oo in
                let x = pa + oa, y = pb + ob, z = po + oo
                if sa == 1 && sb == 1 {
                    for i in 0..<n { z[i] = F.apply(x[i], y[i]) }
                } else if sa == 1 && sb == 0 {
                    let v = y[0]
                    for i in 0..<n { z[i] = F.apply(x[i], v) }
                } else if sa == 0 && sb == 1 {
                    let v = x[0]
                    for i in 0..<n { z[i] = F.apply(v, y[i]) }
                } else {
                    for i in 0..<n { z[i] = F.apply(x[i * sa], y[i * sb]) }
                }
            }
        }
        return (out, shape)
    }

    /// Sums `x` down to `shape` (the inverse of broadcasting `shape` up to `x.shape`).
    static func sumTo(_ x: Tensor, _ shape: [Int]) -> Tensor {
        if x.shape == shape { return x.detached() }
        let count = shape.reduce(1, *)
        let out = TensorStorage(repeating: 0, count: count)
        // Plan over the source: operand A = source (contiguous), operand B = destination.
        let plan = BroadcastPlan(out: x.shape, a: x.shape, b: shape)
        let n = plan.inner, sb = plan.strideB.last!
        let px = x.storage.base, po = out.base
        func reduceRows(_ rows: Range<Int>, into dst: UnsafeMutablePointer<Float>) {
            plan.forEachRow(rows) { _, ob, ox in
                let src = px + ox, d = dst + ob
                if sb == 0 {
                    d[0] += Reduce.sum(src, n)
                } else {
                    for i in 0..<n { d[i * sb] += src[i] }
                }
            }
        }
        let T = Parallel.threads
        if T > 1 && x.count >= 4 * parallelGrain && count <= 1 << 16 && plan.rows >= T {
            // Different rows may hit the same destination: private accumulators per core, then summed.
            Scratch.with(T * count) { partial in
                partial.update(repeating: 0, count: T * count)
                Parallel.forEach(T) { t in
                    reduceRows(plan.rows * t / T ..< plan.rows * (t + 1) / T, into: partial + t * count)
                }
                for t in 0..<T { for i in 0..<count { po[i] += partial[t * count + i] } }
            }
        } else {
            reduceRows(0..<plan.rows, into: po)
        }
        return Tensor(shape: shape, storage: out)
    }

    /// Broadcasts `x` up to `shape` (copying).
    static func broadcast(_ x: Tensor, to shape: [Int]) -> Tensor {
        if x.shape == shape { return x.detached() }
        let count = shape.reduce(1, *)
        let out = TensorStorage(uninitializedCount: count)
        let plan = BroadcastPlan(out: shape, a: x.shape, b: shape)
        let n = plan.inner, sa = plan.strideA.last!
        let px = x.storage.base, po = out.base
        Parallel.forRanges(plan.rows, grain: Swift.max(1, parallelGrain / Swift.max(n, 1))) { rows in
            plan.forEachRow(rows) { oa, _, oo in
                if sa == 0 {
                    (po + oo).update(repeating: px[oa], count: n)
                } else {
                    for i in 0..<n { po[oo + i] = px[oa + i * sa] }
                }
            }
        }
        return Tensor(shape: shape, storage: out)
    }

    /// `acc += g`, in place when `acc` owns its storage.
    static func accumulate(into acc: inout Tensor, _ g: Tensor) {
        let n = acc.count
        if !isKnownUniquelyReferenced(&acc.storage) { acc.storage = acc.storage.copy() }
        let pa = acc.storage.base, pg = g.storage.base
        Parallel.forRanges(n, grain: parallelGrain) { r in
            CK.kernels.accumulate!(pa + r.lowerBound, pg + r.lowerBound, r.count)
        }
    }

    /// `out[i] = f(x[i])` over a whole tensor.
    static func map(_ x: Tensor, _ f: (Float) -> Float) -> Tensor {
        let n = x.count
        let out = TensorStorage(uninitializedCount: n)
        let px = x.storage.base, po = out.base
        Parallel.forRanges(n, grain: parallelGrain) { r in
            for i in r { po[i] = f(px[i]) }
        }
        return Tensor(shape: x.shape, storage: out)
    }

    /// `out[i] = f(x[i])` over a whole tensor, `f` inlined.
    static func map<F: UnaryKernel>(_ x: Tensor, _ f: F) -> Tensor {
        let n = x.count
        let out = TensorStorage(uninitializedCount: n)
        let px = x.storage.base, po = out.base
        Parallel.forRanges(n, grain: parallelGrain) { r in
            for i in r { po[i] = f(px[i]) }
        }
        return Tensor(shape: x.shape, storage: out)
    }

    /// `out = f(x)` through a CKernels row function `f(x, out, count)`.
    static func map(
        _ x: Tensor, _ f: @convention(c) (UnsafePointer<Float>?, UnsafeMutablePointer<Float>?, Int) -> Void
    ) -> Tensor {
        let n = x.count
        let out = TensorStorage(uninitializedCount: n)
        let px = x.storage.base, po = out.base
        Parallel.forRanges(n, grain: parallelGrain) { r in f(px + r.lowerBound, po + r.lowerBound, r.count) }
        return Tensor(shape: x.shape, storage: out)
    }

    /// `out[i] = f(x[i], y[i])` over two same-shape tensors.
    static func zip(_ x: Tensor, _ y: Tensor, _ f: (Float, Float) -> Float) -> Tensor {
        precondition(x.count == y.count)
        let n = x.count
        let out = TensorStorage(uninitializedCount: n)
        let px = x.storage.base, py = y.storage.base, po = out.base
        Parallel.forRanges(n, grain: parallelGrain) { r in
            for i in r { po[i] = f(px[i], py[i]) }
        }
        return Tensor(shape: x.shape, storage: out)
    }

    static func binaryTensor<F: BinaryFunction>(_ f: F.Type, _ a: Tensor, _ b: Tensor) -> Tensor {
        let (s, shape) = binary(f, a, b, "gradient")
        return Tensor(shape: shape, storage: s)
    }

    /// `dx = y > 0 ? dy : 0`.
    static func reluBackward(_ g: Tensor, _ y: Tensor) -> Tensor {
        let n = g.count
        let out = TensorStorage(uninitializedCount: n)
        let pg = g.storage.base, py = y.storage.base, po = out.base
        Parallel.forRanges(n, grain: parallelGrain) { r in
            CK.kernels.relu_backward!(pg + r.lowerBound, py + r.lowerBound, po + r.lowerBound, r.count)
        }
        return Tensor(shape: g.shape, storage: out)
    }
}
