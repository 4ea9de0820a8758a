import CBLAS

/// The number of threads OpenBLAS uses (process-wide).
///
/// Circuit matrices are small and factored thousands of times; on a busy machine OpenBLAS's worker
/// threads then cost more than they save (measured: a 400-node DC sweep took 3.4 s with the default
/// threads and 0.6 s with one). Commands that only simulate set this to 1, and so does Tensor,
/// which parallelises over its own threads. This is the one place that sets OpenBLAS's threads.
public enum BLASThreading {
    /// The present count (loads OpenBLAS if it is not loaded yet).
    public static var count: Int { Int(openblas_get_num_threads()) }

    /// Sets the thread count; with 1, also stops the worker threads OpenBLAS started when it was
    /// loaded. If OpenBLAS is not loaded yet (it is opened on first use, see CBLAS.h), the count is
    /// applied when it is, so a command that never calls BLAS never loads it.
    ///
    /// OpenBLAS's pthread build starts its workers in a library constructor, and an idle worker
    /// spins on `sched_yield` for ~0.1 s before it sleeps; lowering the count alone does not stop
    /// it. On a busy 2-core machine that spinning competed with the simulation itself (measured:
    /// ~500 `sched_yield` calls per `kelvin sim`). Raising the count again restarts the workers.
    public static func set(_ count: Int) {
        let n = Int32(max(1, min(count, 1024)))
        // Same count: nothing to do (and OpenBLAS 0.3.21 would restart stopped workers).
        if kelvin_openblas_loaded() != 0, n == openblas_get_num_threads() { return }
        kelvin_openblas_request_threads(n)
    }

    /// Whether OpenBLAS has been loaded into this process.
    public static var isLoaded: Bool { kelvin_openblas_loaded() != 0 }

    /// The name of the kernel set OpenBLAS chose for this CPU (or `OPENBLAS_CORETYPE`), e.g. `Haswell`.
    public static var coreName: String { String(cString: openblas_get_corename()) }

    /// OpenBLAS's sgemm rate in GFLOP/s on the present thread count: the best of five
    /// `n×n · n×n` products (`2n³` floating-point operations each) after one warm-up call.
    public static func sgemmPeak(size n: Int) -> Double {
        var generator = SystemRandomNumberGenerator()
        let a = (0..<(n * n)).map { _ in Float.random(in: -1...1, using: &generator) }
        let b = (0..<(n * n)).map { _ in Float.random(in: -1...1, using: &generator) }
        var c = [Float](repeating: 0, count: n * n)
        var best = Double.infinity
        for rep in 0..<6 {
            let start = ContinuousClock.now
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(n), Int32(n), 1, a, Int32(n),
                        b, Int32(n), 0, &c, Int32(n))
            let elapsed = ContinuousClock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            if rep > 0 { best = min(best, seconds) }  // the first call warms up
        }
        return 2 * Double(n) * Double(n) * Double(n) / best / 1e9
    }
}
