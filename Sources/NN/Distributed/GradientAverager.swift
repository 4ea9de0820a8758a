import Collective
import Tensor

/// Averages the parameter gradients over the ranks of a data-parallel job, in buckets that are
/// summed while the backward pass goes on (PyTorch DDP's scheme).
///
/// Parameters are grouped, in the reverse of their order in the model (roughly the order in
/// which the backward pass finishes them), into buckets of about `bucketBytes`. When the backward
/// pass reports the last parameter of the next bucket ready (`Tensor.backward(reporting:ready:)`),
/// its gradients are copied into the bucket's flat buffer and an MPI_Iallreduce starts; later
/// reports drive MPI's progress. Buckets start strictly in order, so every rank issues the same
/// collectives in the same order. `finish()` waits for the rest and writes `sum / size` back into
/// each parameter's gradient (zero where no gradient reached a parameter on any rank).
final class GradientAverager {
    let parameters: [Parameter]
    let communicator: Communicator
    /// Parameter indices of each bucket, in launch order.
    let buckets: [[Int]]
    /// One flat buffer per bucket, allocated here (MPI writes into it after `start` returns).
    private let buffers: [UnsafeMutableBufferPointer<Float>]
    private var bucketOf: [Int]
    private var readyCount: [Int]
    private var nextToStart = 0
    private var pending: [PendingSum?]
    /// Seconds spent in `finish()` waiting for sums after the backward pass ended, last step.
    private(set) var lastWaitSeconds = 0.0
    /// Buckets whose sum started during the last step's backward pass (the rest started in `finish()`).
    private(set) var lastStartedDuringBackward = 0

    init(parameters: [Parameter], communicator: Communicator, bucketBytes: Int = 4 << 20) {
        self.parameters = parameters
        self.communicator = communicator
        var buckets: [[Int]] = [], current: [Int] = [], bytes = 0
        for i in parameters.indices.reversed() {
            current.append(i)
            bytes += parameters[i].value.count * MemoryLayout<Float>.size
            if bytes >= bucketBytes { buckets.append(current); current = []; bytes = 0 }
        }
        if !current.isEmpty { buckets.append(current) }
        self.buckets = buckets
        buffers = buckets.map { members in
            let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: members.reduce(0) { $0 + parameters[$1].value.count })
            buffer.initialize(repeating: 0)
            return buffer
        }
        bucketOf = [Int](repeating: 0, count: parameters.count)
        for (b, members) in buckets.enumerated() { for i in members { bucketOf[i] = b } }
        readyCount = [Int](repeating: 0, count: buckets.count)
        pending = [PendingSum?](repeating: nil, count: buckets.count)
    }

    deinit { for buffer in buffers { buffer.deallocate() } }

    /// Buckets whose sum has started in the step in progress.
    var startedCount: Int { nextToStart }

    /// Total gradient elements summed per step.
    var elementCount: Int { buffers.reduce(0) { $0 + $1.count } }

    /// The backward pass's report that parameter `i`'s gradient is final.
    func parameterReady(_ i: Int) {
        readyCount[bucketOf[i]] += 1
        while nextToStart < buckets.count, readyCount[nextToStart] == buckets[nextToStart].count {
            start(nextToStart)
            nextToStart += 1
        }
        for case let p? in pending { _ = p.test() }
    }

    /// Waits for every bucket and stores the averaged gradients; resets for the next step.
    func finish() {
        let clock = ContinuousClock.now
        lastStartedDuringBackward = nextToStart
        while nextToStart < buckets.count { start(nextToStart); nextToStart += 1 }
        let scale = 1 / Float(communicator.size)
        for b in buckets.indices {
            pending[b]?.wait()
            pending[b] = nil
            var offset = 0
            for i in buckets[b] {
                let n = parameters[i].value.count
                let averaged = buffers[b][offset..<(offset + n)].map { $0 * scale }  // a fresh array: the buffer is reused
                parameters[i].setGradient(Tensor(shape: parameters[i].shape, data: averaged))
                offset += n
            }
            readyCount[b] = 0
        }
        nextToStart = 0
        let waited = ContinuousClock.now - clock
        lastWaitSeconds = Double(waited.components.seconds) + Double(waited.components.attoseconds) * 1e-18
    }

    private func start(_ b: Int) {
        let flat = buffers[b]
        var offset = 0
        for i in buckets[b] {
            let n = parameters[i].value.count
            let slot = UnsafeMutableBufferPointer(rebasing: flat[offset..<(offset + n)])
            if let g = parameters[i].grad {
                g.withUnsafeBufferPointer { _ = slot.update(fromContentsOf: $0) }
            } else {
                slot.update(repeating: 0)
            }
            offset += n
        }
        pending[b] = communicator.startSum(flat, what: "gradient bucket \(b + 1)/\(buckets.count)")
    }
}

/// Synchronised batch norm's sums over the ranks of the job.
struct RankStatisticsReducer: BatchStatisticsReducer {
    let communicator: Communicator
    func sum(_ values: inout [Double]) { communicator.sum(&values, what: "batch-norm statistics") }
}
