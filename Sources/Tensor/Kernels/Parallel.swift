import Dispatch
import Foundation

/// Splits work over the machine's cores (2 on the target machine) with `concurrentPerform`.
enum Parallel {
    static let threads = Swift.max(1, ProcessInfo.processInfo.activeProcessorCount)

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
