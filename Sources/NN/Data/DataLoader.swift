import Foundation

/// One mini-batch: `count` images (NCHW floats) and their labels.
public struct Batch: Sendable {
    public var images: [Float]
    public var labels: [Int32]
    public var count: Int { labels.count }
    /// Position of this batch within its epoch.
    public var index: Int
    /// The positions of these images within the whole batch when this is one part of it (one
    /// rank's share in data-parallel training); nil for the whole batch.
    public var part: Range<Int>? = nil
}

/// Splits a data set into shuffled, augmented mini-batches, prepared on a background thread.
///
/// Randomness is a pure function of `(seed, epoch, batch index)`: the shuffle of epoch `e` uses a
/// stream derived from `(seed, e)`, the augmentation of batch `b` one derived from `(seed, e, b)`.
/// Resuming at `(epoch, batch)` therefore reproduces exactly the batches an uninterrupted run sees.
public struct DataLoader: Sendable {
    public var dataset: ImageDataset
    public var batchSize: Int
    public var shuffle: Bool
    public var augmentation: Augmentation
    public var seed: UInt64
    /// Drop a final partial batch (training) or keep it (evaluation).
    public var dropLast: Bool
    /// How many prepared batches the producer may keep ahead of the consumer.
    public var prefetch: Int

    public init(
        dataset: ImageDataset, batchSize: Int, shuffle: Bool = true, augmentation: Augmentation = .none,
        seed: UInt64 = 0, dropLast: Bool = true, prefetch: Int = 3
    ) throws {
        guard batchSize > 0 else { throw NNError.invalidArgument("batch size must be positive, got \(batchSize)") }
        guard dataset.count > 0 else { throw NNError.invalidArgument("data set is empty") }
        self.dataset = dataset; self.batchSize = batchSize; self.shuffle = shuffle
        self.augmentation = augmentation; self.seed = seed; self.dropLast = dropLast
        self.prefetch = max(1, prefetch)
    }

    /// Number of batches in one epoch.
    public var batchesPerEpoch: Int {
        dropLast ? max(1, dataset.count / batchSize) : (dataset.count + batchSize - 1) / batchSize
    }

    /// The example order of `epoch`.
    public func order(epoch: Int) -> [Int] {
        var idx = Array(0..<dataset.count)
        guard shuffle else { return idx }
        var rng = RandomSource(seed: seed, stream: UInt64(epoch), 0x5348)
        for i in stride(from: idx.count - 1, to: 0, by: -1) {
            let j = Int(rng.next() % UInt64(i + 1))
            idx.swapAt(i, j)
        }
        return idx
    }

    /// Builds batch `index` of `epoch` given that epoch's order (synchronously); with `part`,
    /// only those positions of it, with the values (augmentation included) they have in the whole batch.
    public func makeBatch(epoch: Int, index: Int, order: [Int], part: Range<Int>? = nil) -> Batch {
        let first = index * batchSize
        let whole = first..<min(first + batchSize, order.count)
        let start = part.map { min(first + $0.lowerBound, whole.upperBound) } ?? whole.lowerBound
        let end = part.map { min(first + $0.upperBound, whole.upperBound) } ?? whole.upperBound
        let size = dataset.imageSize
        var images = [Float](repeating: 0, count: (end - start) * size)
        var labels = [Int32](repeating: 0, count: end - start)
        var rng = RandomSource(seed: seed, stream: UInt64(epoch), UInt64(index), 0x4147)
        if !augmentation.isIdentity {
            for _ in 0..<((start - first) * augmentation.drawsPerImage) { _ = rng.next() }  // the draws of the images before the part
        }
        images.withUnsafeMutableBufferPointer { out in
            dataset.images.withUnsafeBufferPointer { src in
                for k in start..<end {
                    let n = order[k], o = (k - start) * size
                    for i in 0..<size { out[o + i] = src[n * size + i] }
                    labels[k - start] = dataset.labels[n]
                    if !augmentation.isIdentity {
                        let slice = UnsafeMutableBufferPointer(rebasing: out[o..<(o + size)])
                        augmentation.apply(slice, channels: dataset.channels, height: dataset.height, width: dataset.width, rng: &rng)
                    }
                }
            }
        }
        return Batch(images: images, labels: labels, index: index, part: part.map { _ in (start - first)..<(end - first) })
    }

    /// The batches of `epoch` from `startIndex` on, produced by a background thread into a bounded
    /// queue; with `part`, only those positions of each batch (see `makeBatch`).
    public func batches(epoch: Int, startingAt startIndex: Int = 0, part: Range<Int>? = nil) -> BatchStream {
        BatchStream(loader: self, epoch: epoch, start: startIndex, part: part)
    }
}

/// The bounded queue shared by a producer thread and a `BatchStream`.
final class BatchChannel: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [Batch] = []
    private var finished = false
    private var cancelled = false
    private let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    /// Blocks while full; returns false when the consumer has gone away.
    func put(_ batch: Batch) -> Bool {
        condition.lock(); defer { condition.unlock() }
        while queue.count >= capacity && !cancelled { condition.wait() }
        if cancelled { return false }
        queue.append(batch)
        condition.broadcast()
        return true
    }

    func finish() { condition.lock(); finished = true; condition.broadcast(); condition.unlock() }
    func cancel() { condition.lock(); cancelled = true; condition.broadcast(); condition.unlock() }

    func take() -> Batch? {
        condition.lock(); defer { condition.unlock() }
        while queue.isEmpty && !finished && !cancelled { condition.wait() }
        if queue.isEmpty { return nil }
        let b = queue.removeFirst()
        condition.broadcast()
        return b
    }
}

/// A single-pass sequence of batches filled by a producer thread through a bounded queue.
///
/// Dropping the stream (or calling `cancel()`) stops the producer.
public final class BatchStream: Sequence, IteratorProtocol {
    private let channel: BatchChannel

    init(loader: DataLoader, epoch: Int, start: Int, part: Range<Int>?) {
        let channel = BatchChannel(capacity: loader.prefetch)
        self.channel = channel
        let total = loader.batchesPerEpoch
        let thread = Thread {
            let order = loader.order(epoch: epoch)
            var b = Swift.max(0, start)
            while b < total {
                if !channel.put(loader.makeBatch(epoch: epoch, index: b, order: order, part: part)) { return }
                b += 1
            }
            channel.finish()
        }
        thread.start()
    }

    public func next() -> Batch? { channel.take() }

    /// Stops the producer early.
    public func cancel() { channel.cancel() }

    deinit { channel.cancel() }
}
