import CKernels
import Dispatch
import Foundation
import Tensor

/// Large batches of Gaussian noise, drawn in parallel and reproducibly.
///
/// The samples are cut into chunks of 16 384; chunk `k` draws from
/// `SplitMix64(seed: s, stream: k)`, `s` the first output of `noise.generator(for: site)`, so the
/// numbers depend on (seed, step, site) alone, not on the thread count. Each pair of uniforms gives
/// two normals by Box–Muller in single precision: `r = sqrt(−2 ln u₁)`, `z = r·cos 2πu₂`, `r·sin 2πu₂`,
/// with `u₁ = 1 − (z₁ >> 40)·2⁻²⁴`, `u₂ = (z₂ >> 40)·2⁻²⁴` from consecutive outputs, computed by the
/// C kernel `gaussian_fill` (vectorised polynomial ln, sin, cos; absolute error below 1e-6, the
/// same numbers on every instruction set).
enum GaussianNoise {
    static let chunk = 1 << 14

    /// `σ·N(0, 1)` samples shaped `shape`.
    static func samples(_ shape: [Int], sigma: Float, noise: NoiseStream, site: String) -> Tensor {
        let count = shape.reduce(1, *)
        var root = noise.generator(for: site)
        let seed = root.next()
        let chunks = (count + chunk - 1) / chunk
        return Tensor(shape: shape) { buffer in
            let base = UncheckedPointer(buffer.baseAddress)
            let workers = max(1, min(chunks, TensorThreads.count))
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                for k in stride(from: worker, to: chunks, by: workers) {
                    let rng = SplitMix64(seed: seed, stream: UInt64(k))
                    let lo = k * chunk, hi = min(lo + chunk, count)
                    if let p = base.pointer { ck_active().pointee.gaussian_fill!(rng.state, sigma, p + lo, hi - lo) }
                }
            }
        }
    }
}

/// A pointer handed to concurrent workers that write disjoint ranges.
private struct UncheckedPointer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>?
    init(_ pointer: UnsafeMutablePointer<Float>?) { self.pointer = pointer }
}
