// Matrix products on sgemm.

/// `a × b` for 2-D `a` `[m, k]` and `b` `[k, n]`.
public func matmul(_ a: Tensor, _ b: Tensor) -> Tensor {
    precondition(a.rank == 2 && b.rank == 2 && a.shape[1] == b.shape[0],
                 "matmul: shapes \(a.shape) and \(b.shape) are not [m,k] × [k,n]")
    let m = a.shape[0], k = a.shape[1], n = b.shape[1]
    let out = TensorStorage(uninitializedCount: m * n)
    BLAS.parallelSgemm(m: m, n: n, k: k, a: a.storage.base, lda: k, b: b.storage.base, ldb: n, c: out.base, ldc: n)
    return Tensor.record(out, shape: [m, n], inputs: [a, b]) { .matmul(a: a.detached(), b: b.detached()) }
}

/// Fully connected layer: `x · weightᵀ + bias`, x `[batch, in]`, weight `[out, in]`, bias `[out]`.
public func linear(_ x: Tensor, _ weight: Tensor, _ bias: Tensor? = nil) -> Tensor {
    precondition(x.rank == 2 && weight.rank == 2 && x.shape[1] == weight.shape[1],
                 "linear: input \(x.shape) and weight \(weight.shape) are not [batch,in] and [out,in]")
    let batch = x.shape[0], fin = x.shape[1], fout = weight.shape[0]
    if let bias { precondition(bias.shape == [fout], "linear: bias shape \(bias.shape) != [\(fout)]") }
    let out = TensorStorage(uninitializedCount: batch * fout)
    if let bias {
        for i in 0..<batch { (out.base + i * fout).update(from: bias.storage.base, count: fout) }
    }
    BLAS.parallelSgemm(transB: true, m: batch, n: fout, k: fin, a: x.storage.base, lda: fin,
               b: weight.storage.base, ldb: fin, beta: bias == nil ? 0 : 1, c: out.base, ldc: fout)
    let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
    return Tensor.record(out, shape: [batch, fout], inputs: inputs) {
        .linear(x: x.detached(), weight: weight.detached(), hasBias: bias != nil)
    }
}
