/// Running statistics of a batch-norm layer (per channel), updated by training-mode forwards.
/// Shared mutable state: do not run two training forwards on the same state concurrently.
public final class BatchNormState: @unchecked Sendable {
    public var runningMean: [Float]
    public var runningVar: [Float]
    public var channels: Int { runningMean.count }

    public init(channels: Int) {
        runningMean = Array(repeating: 0, count: channels)
        runningVar = Array(repeating: 1, count: channels)
    }
}

/// Sums per-channel statistics over the processes that share one batch (synchronised batch norm).
///
/// Every process must call `sum` the same number of times in the same order with arrays of the
/// same length (a collective operation, as MPI's allreduce).
public protocol BatchStatisticsReducer: Sendable {
    /// Replaces each element of `values` by its sum over every process.
    func sum(_ values: inout [Double])
}

/// Batch normalisation over axis 1 of `x` (`[N, C, ...]`), with `gamma`, `beta` of shape `[C]`.
///
/// Training: normalises with the batch mean and biased variance and updates `state` with
/// `running = (1 − momentum)·running + momentum·batch` (unbiased variance, as PyTorch).
/// Evaluation: normalises with the running statistics.
///
/// With `sync` (training only), the batch is the union of every process's `x`: the mean and
/// variance are taken over all of them (two sums over the processes, of Σx and then of
/// Σ(x − μ)², the same two passes as one process), and so are the sums of the input gradient.
public func batchNorm(_ x: Tensor, gamma: Tensor, beta: Tensor, state: BatchNormState, training: Bool,
                      momentum: Float = 0.1, eps: Float = 1e-5, sync: (any BatchStatisticsReducer)? = nil) -> Tensor {
    precondition(x.rank >= 2, "batchNorm: input must be [N, C, ...], shape is \(x.shape)")
    let n = x.shape[0], c = x.shape[1], s = x.shape.dropFirst(2).reduce(1, *)
    precondition(gamma.shape == [c] && beta.shape == [c],
                 "batchNorm: gamma \(gamma.shape) and beta \(beta.shape) must be [\(c)] for input \(x.shape)")
    precondition(state.channels == c, "batchNorm: state has \(state.channels) channels, input has \(c)")
    var mean = [Float](repeating: 0, count: c), invStd = [Float](repeating: 0, count: c)
    var m = n * s
    if training {
        var variance = [Float](repeating: 0, count: c)
        if let sync {
            (mean, variance, m) = synchronisedStatistics(x, n: n, c: c, s: s, sync: sync)
        } else {
            mean.withUnsafeMutableBufferPointer { mp in
                variance.withUnsafeMutableBufferPointer { vp in
                    guard let pm = mp.baseAddress, let pv = vp.baseAddress else { return }
                    NormKernels.statistics(x.storage.base, n: n, c: c, s: s, mean: pm, variance: pv)
                }
            }
        }
        precondition(m > 1, "batchNorm: training needs more than one value per channel, input \(x.shape)")
        let unbias = Float(m) / Float(m - 1)
        for ch in 0..<c {
            invStd[ch] = 1 / (variance[ch] + eps).squareRoot()
            state.runningMean[ch] = (1 - momentum) * state.runningMean[ch] + momentum * mean[ch]
            state.runningVar[ch] = (1 - momentum) * state.runningVar[ch] + momentum * variance[ch] * unbias
        }
    } else {
        for ch in 0..<c {
            mean[ch] = state.runningMean[ch]
            invStd[ch] = 1 / (state.runningVar[ch] + eps).squareRoot()
        }
    }
    var scale = [Float](repeating: 0, count: c), shift = [Float](repeating: 0, count: c)
    for ch in 0..<c {
        scale[ch] = gamma.storage.base[ch] * invStd[ch]
        shift[ch] = beta.storage.base[ch] - mean[ch] * scale[ch]
    }
    let out = TensorStorage(uninitializedCount: x.count)
    NormKernels.affine(x.storage.base, out.base, n: n, c: c, s: s, scale: scale, shift: shift)
    return Tensor.record(out, shape: x.shape, inputs: [x, gamma, beta]) {
        .batchNorm(x: x.detached(), gamma: gamma.detached(), mean: mean, invStd: invStd, training: training,
                   sync: training ? sync : nil, count: m)
    }
}

/// Mean, biased variance and value count per channel over every process's `x` (`[N, C, S]`).
private func synchronisedStatistics(_ x: Tensor, n: Int, c: Int, s: Int, sync: any BatchStatisticsReducer)
    -> (mean: [Float], variance: [Float], count: Int)
{
    var sums = NormKernels.channelSums(x.storage.base, n: n, c: c, s: s) + [Double(n * s)]
    sync.sum(&sums)
    let total = sums[c]
    let mean = (0..<c).map { Float(sums[$0] / total) }
    var squares = mean.withUnsafeBufferPointer { NormKernels.channelSquaredDeviations(x.storage.base, n: n, c: c, s: s, mean: $0) }
    sync.sum(&squares)
    return (mean, squares.map { Float($0 / total) }, Int(total))
}
