import Dispatch
import Foundation
import Synchronization

/// How many cores Tensor kernels use (default: `ProcessInfo.activeProcessorCount`).
public enum TensorThreads {
    /// Number of threads Tensor splits its kernels over; set it before heavy work (≥ 1).
    public static var count: Int {
        get { Parallel.threads }
        set { Parallel.setThreads(newValue) }
    }
}

/// Splits work over the machine's cores (2 on the target machine) with `concurrentPerform`.
enum Parallel {
    private static let configured = Atomic<Int>(0)
    static var threads: Int {
        let n = configured.load(ordering: .relaxed)
        return n > 0 ? n : defaultThreads
    }
    /// Read once, on first use (after any affinity change made before the first tensor op).
    private static let defaultThreads = Swift.max(1, ProcessInfo.processInfo.activeProcessorCount)
    static func setThreads(_ n: Int) {
        precondition(n >= 1, "TensorThreads.count must be ≥ 1, got \(n)")
        configured.store(n, ordering: .relaxed)
    }

    /// Calls `body` on disjoint sub-ranges covering `0..<count`, in parallel when each part gets
    /// at least `grain` items of work.
    static func forRanges(_ count: Int, grain: Int = 1, _ body: (Range<Int>) -> Void) {
        let parts = Swift.min(threads, Swift.max(1, count / Swift.max(grain, 1)))
        if parts <= 1 {
            if count > 0 { body(0..<count) }
            return
        }
        withoutActuallyEscaping(body) { body in
            let box = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: parts) { k in
                let lo = count * k / parts, hi = count * (k + 1) / parts
                if lo < hi { box.value(lo..<hi) }
            }
        }
    }

    /// Calls `body(i)` for each `i` in `0..<count`, spread over the cores.
    static func forEach(_ count: Int, grain: Int = 1, _ body: (Int) -> Void) {
        forRanges(count, grain: grain) { r in for i in r { body(i) } }
    }
}

/// Wraps a value that is safe to share across the fork-join region it is used in.
struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
