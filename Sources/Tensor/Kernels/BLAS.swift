import CBLAS
import LinearAlgebra

/// Thin row-major wrappers over OpenBLAS `cblas_sgemm`.
///
/// OpenBLAS runs single-threaded (set once, process-wide, on first use): Tensor parallelises
/// itself, one independent sgemm per core on cache-resident blocks (measured ~1.6× faster for
/// im2col convolutions than one 2-thread sgemm on a large column matrix). `parallelSgemm`
/// splits one product over the cores for the ops that have a single large product.
enum BLAS {
    static let configured: Bool = {
        BLASThreading.set(1)
        return true
    }()

    /// `C = alpha · op(A) · op(B) + beta · C`, row-major, `op(A)` is m×k and `op(B)` is k×n.
    /// Runs on the calling thread.
    static func sgemm(
        transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        _ = configured
        if m == 0 || n == 0 { return }
        if k == 0 {
            for i in 0..<m {
                let row = c + i * ldc
                if beta == 0 { row.update(repeating: 0, count: n) } else { for j in 0..<n { row[j] *= beta } }
            }
            return
        }
        cblas_sgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Same as `sgemm`, split over the cores along the larger of m and n.
    static func parallelSgemm(
        transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        let work = m * n * Swift.max(k, 1)
        if Parallel.threads == 1 || work < 1 << 20 || (m < 2 && n < 2) {
            sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                  beta: beta, c: c, ldc: ldc)
            return
        }
        if n >= m {
            Parallel.forRanges(n, grain: Swift.max(1, n / Parallel.threads)) { r in
                sgemm(transA: transA, transB: transB, m: m, n: r.count, k: k, alpha: alpha, a: a, lda: lda,
                      b: transB ? b + r.lowerBound * ldb : b + r.lowerBound, ldb: ldb,
                      beta: beta, c: c + r.lowerBound, ldc: ldc)
            }
        } else {
            Parallel.forRanges(m, grain: Swift.max(1, m / Parallel.threads)) { r in
                sgemm(transA: transA, transB: transB, m: r.count, n: n, k: k, alpha: alpha,
                      a: transA ? a + r.lowerBound : a + r.lowerBound * lda, lda: lda, b: b, ldb: ldb,
                      beta: beta, c: c + r.lowerBound * ldc, ldc: ldc)
            }
        }
    }
}
