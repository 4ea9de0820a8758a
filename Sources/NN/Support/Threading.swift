import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Limits how many cores training and evaluation use.
///
/// Tensor parallelises its kernels over `ProcessInfo.activeProcessorCount` cores (OpenBLAS itself
/// runs single-threaded), so the process is restricted to `count` CPUs with `sched_setaffinity`
/// before the first tensor operation. Must be called before any tensor work to take full effect.
public enum Threading {
    /// Restricts the process to the first `count` CPUs it may run on; returns the resulting core count.
    @discardableResult
    public static func limitCores(to count: Int) throws -> Int {
        guard count >= 1 else { throw NNError.invalidArgument("--threads must be ≥ 1, got \(count)") }
        #if os(Linux)
        // glibc declares these only under _GNU_SOURCE, which Swift's Glibc module does not set.
        typealias Affinity = @convention(c) (pid_t, Int, UnsafeMutableRawPointer) -> Int32
        guard let getSym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "sched_getaffinity"),
              let setSym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "sched_setaffinity") else {
            throw NNError.invalidArgument("--threads is not supported here (no sched_setaffinity)")
        }
        let getAffinity = unsafeBitCast(getSym, to: Affinity.self)
        let setAffinity = unsafeBitCast(setSym, to: Affinity.self)
        var current = cpu_set_t()
        guard getAffinity(0, MemoryLayout<cpu_set_t>.size, &current) == 0 else {
            throw NNError.invalidArgument("cannot read the CPU affinity: \(String(cString: strerror(errno)))")
        }
        var wanted = cpu_set_t()
        var chosen = 0
        withUnsafeBytes(of: &current) { src in
            withUnsafeMutableBytes(of: &wanted) { dst in
                for byte in 0..<src.count where chosen < count {
                    for bit in 0..<8 where chosen < count && src[byte] & (1 << bit) != 0 {
                        dst[byte] |= UInt8(1 << bit)
                        chosen += 1
                    }
                }
            }
        }
        guard setAffinity(0, MemoryLayout<cpu_set_t>.size, &wanted) == 0 else {
            throw NNError.invalidArgument("cannot set the CPU affinity: \(String(cString: strerror(errno)))")
        }
        return chosen
        #else
        return ProcessInfo.processInfo.activeProcessorCount
        #endif
    }
}
