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
/// stream derived from `(seed, e)`, the augmentation of batch `b` one derived from `(seed, e, b)`
/// (for a source other than an in-memory `ImageDataset`, one stream per image, derived from
/// `(seed, e, b, position in the batch)`, since such a transform draws a varying number of values).
/// Resuming at `(epoch, batch)` therefore reproduces exactly the batches an uninterrupted run sees.
public struct DataLoader: Sendable {
    public var dataset: any ImageSource
    public var batchSize: Int
    public var shuffle: Bool
    public var augmentation: Augmentation
    public var seed: UInt64
    /// Drop a final partial batch (training) or keep it (evaluation).
    public var dropLast: Bool
    /// How many prepared batches the producer may keep ahead of the consumer.
    public var prefetch: Int
    /// Threads that prepare the images of one batch together (decoding a source that reads
    /// files); an in-memory `ImageDataset` is always copied by the producer thread alone.
    public var workers: Int

    public init(
        dataset: any ImageSource, batchSize: Int, shuffle: Bool = true, augmentation: Augmentation = .none,
        seed: UInt64 = 0, dropLast: Bool = true, prefetch: Int = 3, workers: Int = 1
    ) throws {
        guard batchSize > 0 else { throw NNError.invalidArgument("batch size must be positive, got \(batchSize)") }
        guard dataset.count > 0 else { throw NNError.invalidArgument("data set is empty") }
        guard workers > 0 else { throw NNError.invalidArgument("--loader-workers must be positive, got \(workers)") }
        try dataset.check(augmentation)
        self.dataset = dataset; self.batchSize = batchSize; self.shuffle = shuffle
        self.augmentation = augmentation; self.seed = seed; self.dropLast = dropLast
        self.prefetch = max(1, prefetch); self.workers = workers
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
    /// Throws when an example cannot be read (a corrupt file of an `ImageFolder`).
    public func makeBatch(epoch: Int, index: Int, order: [Int], part: Range<Int>? = nil) throws -> Batch {
        let first = index * batchSize
        let whole = first..<min(first + batchSize, order.count)
        let start = part.map { min(first + $0.lowerBound, whole.upperBound) } ?? whole.lowerBound
        let end = part.map { min(first + $0.upperBound, whole.upperBound) } ?? whole.upperBound
        let size = dataset.imageSize
        var images = [Float](repeating: 0, count: (end - start) * size)
        let labels = dataset.labels, batchLabels = order[start..<end].map { labels[$0] }
        if let memory = dataset as? ImageDataset {
            var rng = RandomSource(seed: seed, stream: UInt64(epoch), UInt64(index), 0x4147)
            if !augmentation.isIdentity {
                for _ in 0..<((start - first) * augmentation.drawsPerImage) { _ = rng.next() }  // the draws of the images before the part
            }
            images.withUnsafeMutableBufferPointer { out in
                memory.images.withUnsafeBufferPointer { src in
                    for k in start..<end {
                        let n = order[k], o = (k - start) * size
                        for i in 0..<size { out[o + i] = src[n * size + i] }
                        if !augmentation.isIdentity {
                            let slice = UnsafeMutableBufferPointer(rebasing: out[o..<(o + size)])
                            augmentation.apply(slice, channels: memory.channels, height: memory.height, width: memory.width, rng: &rng)
                        }
                    }
                }
            }
        } else {
            try loadExamples(into: &images, positions: start..<end, first: first, epoch: epoch, index: index, order: order)
        }
        return Batch(images: images, labels: batchLabels, index: index, part: part.map { _ in (start - first)..<(end - first) })
    }

    /// Loads the examples at `positions` of the epoch's order into `images`, `workers` threads
    /// at a time, each image with its own random stream; the first failure (by position) is thrown.
    private func loadExamples(into images: inout [Float], positions: Range<Int>, first: Int, epoch: Int, index: Int,
                              order: [Int]) throws {
        let size = dataset.imageSize, source = dataset, augmentation = self.augmentation, seed = self.seed
        let failures = FailureList(count: positions.count)
        images.withUnsafeMutableBufferPointer { out in
            let base = UncheckedSendable(out)
            let threads = min(workers, positions.count)
            let load: @Sendable (Int) -> Void = { t in
                for k in stride(from: positions.lowerBound + t, to: positions.upperBound, by: threads) {
                    let o = (k - positions.lowerBound) * size
                    var rng = RandomSource(seed: seed, stream: UInt64(epoch), UInt64(index), UInt64(k - first), 0x4946)
                    do {
                        try source.loadExample(order[k], into: UnsafeMutableBufferPointer(rebasing: base.value[o..<(o + size)]),
                                               augmentation: augmentation, rng: &rng)
                    } catch { failures.record(error, at: k - positions.lowerBound) }
                }
            }
            if threads <= 1 { load(0) } else { DispatchQueue.concurrentPerform(iterations: threads, execute: load) }
        }
        if let error = failures.first { throw error }
    }

    /// The batches of `epoch` from `startIndex` on, produced by a background thread into a bounded
    /// queue; with `part`, only those positions of each batch (see `makeBatch`).
    public func batches(epoch: Int, startingAt startIndex: Int = 0, part: Range<Int>? = nil) -> BatchStream {
        BatchStream(loader: self, epoch: epoch, start: startIndex, part: part)
    }
}

/// A value moved across threads whose accesses the caller keeps disjoint.
struct UncheckedSendable<Value>: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }
}

/// The errors of the images of one batch, kept by position so the first one is reported.
final class FailureList: @unchecked Sendable {
    private let lock = NSLock()
    private var errors: [Error?]

    init(count: Int) { errors = Array(repeating: nil, count: count) }

    func record(_ error: Error, at position: Int) { lock.lock(); errors[position] = error; lock.unlock() }

    var first: Error? { lock.lock(); defer { lock.unlock() }; return errors.lazy.compactMap { $0 }.first }
}

/// The bounded queue shared by a producer thread and a `BatchStream`.
final class BatchChannel: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [Batch] = []
    private var finished = false
    private var cancelled = false
    /// Why the producer stopped early (a batch it could not build).
    private(set) var failure: Error?
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
    /// Ends the stream with `error`, after the batches already queued.
    func fail(_ error: Error) { condition.lock(); failure = error; finished = true; condition.broadcast(); condition.unlock() }
    /// The producer's error, once the queue is drained.
    var error: Error? { condition.lock(); defer { condition.unlock() }; return failure }
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
/// Dropping the stream (or calling `cancel()`) stops the producer. When the producer cannot
/// build a batch, the sequence ends after the batches before it and `error` says why: a loop over
/// the stream checks it (`checkError()`) so that a failure is never taken for the end of the epoch.
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
                let batch: Batch
                do { batch = try loader.makeBatch(epoch: epoch, index: b, order: order, part: part) } catch {
                    channel.fail(error)
                    return
                }
                if !channel.put(batch) { return }
                b += 1
            }
            channel.finish()
        }
        thread.start()
    }

    public func next() -> Batch? { channel.take() }

    /// Why the stream ended early: the error of the batch the producer could not build.
    public var error: Error? { channel.error }

    /// Throws the producer's error, if any (call after the last batch).
    public func checkError() throws { if let error = channel.error { throw error } }

    /// Stops the producer early.
    public func cancel() { channel.cancel() }

    deinit { channel.cancel() }
}
