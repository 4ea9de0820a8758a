import Tensor

/// Limits how many cores training and evaluation use.
///
/// Tensor splits its kernels over `TensorThreads.count` cores (OpenBLAS itself runs
/// single-threaded), so this sets that count.
public enum Threading {
    /// Uses `count` cores for tensor work; returns the count now in effect.
    @discardableResult
    public static func limitCores(to count: Int) throws -> Int {
        guard count >= 1 else { throw NNError.invalidArgument("--threads must be ≥ 1, got \(count)") }
        TensorThreads.count = count
        return TensorThreads.count
    }
}
