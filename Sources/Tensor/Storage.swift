import Synchronization

/// Contiguous, 64-byte aligned Float32 buffer behind a `Tensor`.
///
/// A storage is treated as immutable once a tensor is published; the only writers are the op
/// kernels filling a fresh result and the explicit, copy-on-write update APIs on `Tensor`.
final class TensorStorage: @unchecked Sendable {
    let count: Int
    let base: UnsafeMutablePointer<Float>

    /// Uninitialised storage (callers must write every element).
    init(uninitializedCount count: Int) {
        precondition(count >= 0, "TensorStorage: negative element count \(count)")
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(
            byteCount: Swift.max(count, 1) * MemoryLayout<Float>.stride, alignment: 64)
        base = raw.bindMemory(to: Float.self, capacity: Swift.max(count, 1))
    }

    convenience init(repeating value: Float, count: Int) {
        self.init(uninitializedCount: count)
        if value == 0 {
            UnsafeMutableRawPointer(base).initializeMemory(as: UInt8.self, repeating: 0, count: count * 4)
        } else {
            base.initialize(repeating: value, count: count)
        }
    }

    convenience init(copying source: UnsafePointer<Float>, count: Int) {
        self.init(uninitializedCount: count)
        base.initialize(from: source, count: count)
    }

    deinit { UnsafeMutableRawPointer(base).deallocate() }

    func copy() -> TensorStorage { TensorStorage(copying: base, count: count) }
}

/// A small pool of reusable scratch buffers (im2col columns, gathered gradients) so hot paths do
/// not page-fault fresh allocations on every call.
enum Scratch {
    private static let pool = Mutex<[TensorStorage]>([])

    /// Runs `body` with a scratch buffer of at least `count` floats (contents undefined).
    static func with<R>(_ count: Int, _ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        let block = take(count)
        defer { give(block) }
        return try body(block.base)
    }

    private static func take(_ count: Int) -> TensorStorage {
        let found: TensorStorage? = pool.withLock { blocks in
            // Smallest block that fits.
            var best = -1
            for (i, b) in blocks.enumerated() where b.count >= count {
                if best < 0 || b.count < blocks[best].count { best = i }
            }
            return best >= 0 ? blocks.remove(at: best) : nil
        }
        return found ?? TensorStorage(uninitializedCount: count)
    }

    private static func give(_ block: TensorStorage) {
        pool.withLock { blocks in
            blocks.append(block)
            if blocks.count > 6 {  // drop the smallest
                if let i = blocks.indices.min(by: { blocks[$0].count < blocks[$1].count }) { blocks.remove(at: i) }
            }
        }
    }
}
