import CBLAS

/// The number of threads OpenBLAS uses (process-wide).
///
/// Circuit matrices are small and factored thousands of times; on a busy machine OpenBLAS's worker
/// threads then cost more than they save (measured: a 400-node DC sweep took 3.4 s with the default
/// threads and 0.6 s with one). Commands that only simulate set this to 1.
public enum BLASThreading {
    public static var count: Int { Int(openblas_get_num_threads()) }

    public static func set(_ count: Int) {
        openblas_set_num_threads(Int32(max(1, min(count, 1024))))
    }
}
