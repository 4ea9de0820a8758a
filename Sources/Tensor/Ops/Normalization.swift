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

/// Batch normalisation over axis 1 of `x` (`[N, C, ...]`), with `gamma`, `beta` of shape `[C]`.
///
/// Training: normalises with the batch mean and biased variance and updates `state` with
/// `running = (1 − momentum)·running + momentum·batch` (unbiased variance, as PyTorch).
/// Evaluation: normalises with the running statistics.
public func batchNorm(_ x: Tensor, gamma: Tensor, beta: Tensor, state: BatchNormState, training: Bool,
                      momentum: Float = 0.1, eps: Float = 1e-5) -> Tensor {
    precondition(x.rank >= 2, "batchNorm: input must be [N, C, ...], shape is \(x.shape)")
    let n = x.shape[0], c = x.shape[1], s = x.shape.dropFirst(2).reduce(1, *)
    precondition(gamma.shape == [c] && beta.shape == [c],
                 "batchNorm: gamma \(gamma.shape) and beta \(beta.shape) must be [\(c)] for input \(x.shape)")
    precondition(state.channels == c, "batchNorm: state has \(state.channels) channels, input has \(c)")
    var mean = [Float](repeating: 0, count: c), invStd = [Float](repeating: 0, count: c)
    if training {
        let m = n * s
        precondition(m > 1, "batchNorm: training needs more than one value per channel, input \(x.shape)")
        var variance = [Float](repeating: 0, count: c)
        mean.withUnsafeMutableBufferPointer { mp in
            variance.withUnsafeMutableBufferPointer { vp in
                guard let pm = mp.baseAddress, let pv = vp.baseAddress else { return }
                NormKernels.statistics(x.storage.base, n: n, c: c, s: s, mean: pm, variance: pv)
            }
        }
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
        .batchNorm(x: x.detached(), gamma: gamma.detached(), mean: mean, invStd: invStd, training: training)
    }
}
