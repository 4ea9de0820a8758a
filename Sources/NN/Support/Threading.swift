import CBLAS

/// Control of the BLAS thread pool used by convolutions and matrix products.
public enum Threading {
    /// Sets the number of OpenBLAS threads (values < 1 are ignored).
    public static func setBLASThreads(_ count: Int) {
        guard count >= 1 else { return }
        openblas_set_num_threads(Int32(count))
    }
    /// The current number of OpenBLAS threads.
    public static var blasThreads: Int { Int(openblas_get_num_threads()) }
}
