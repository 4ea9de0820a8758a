import Tensor

/// The per-block pipelined update of slides 001, simulated exactly (Docs/pipelined-update.md).
///
/// A batch is split into M micro-batches that stream through B blocks (stages). With one tick per
/// stage forward and one per stage backward, micro-batch k runs its forward in block b at tick
/// `k + b` and its backward in block b at tick `k + 2B − 1 − b`; block b updates its weights at
/// the end of that tick, after the forward that shares the tick has read them. So the forward
/// of micro-batch k in block b misses the updates of the
///
///     s_b = 2(B − b) − 1
///
/// micro-batches before it (the last block 1, the first 2B − 1), and within a batch it sees
/// version `max(0, k − s_b)` of block b's weights (version v: after v micro-batch updates). The
/// pipeline is filled and drained once per batch (a checkpoint at a batch boundary is exact),
/// so with one micro-batch per batch (m = batch) every staleness is 0 and this is standard SGD.
///
/// The backward pass of a micro-batch flows through the weights its own forward used (weight
/// stashing, what a recorded graph does); its gradient is applied to the block's newest weights.
public struct PipelineSchedule: Sendable, Equatable {
    /// Number of blocks (pipeline stages).
    public var blocks: Int
    public init(blocks: Int) { self.blocks = blocks }

    /// `s_b = 2(B − b) − 1`: how many micro-batch updates of block b a forward pass misses.
    public func staleness(block b: Int) -> Int { 2 * (blocks - b) - 1 }

    /// The version of block b's weights that micro-batch k (0-based within its batch) reads.
    public func version(block b: Int, microBatch k: Int) -> Int { Swift.max(0, k - staleness(block: b)) }

    /// Ticks of one batch of M micro-batches: pipelined `M + 2B − 1`, sequential `2B·M`.
    public func ticks(microBatches m: Int, pipelined: Bool) -> Int { pipelined ? m + 2 * blocks - 1 : 2 * blocks * m }
}

/// Runs one batch of the pipelined update.
public enum PipelinedUpdate {
    /// Runs micro-batches `0..<microBatches` with the staleness of `schedule`, where
    /// `blocks[b]` holds the indices into `optimizer.parameters` of block b's parameters and
    /// `loss(k)` computes micro-batch k's forward pass and loss from the parameters' current
    /// values (recording a graph). Each micro-batch's gradients update the newest weights with
    /// one `optimizer.step` (`step(k)` runs it, so the caller can add update noise and hooks).
    /// Returns the losses.
    public static func run(
        blocks: [[Int]], microBatches: Int, optimizer: inout SGD, loss: (Int) throws -> Tensor,
        step: (Int, inout SGD) -> Void = { _, o in o.step() }
    ) rethrows -> [Float] {
        let schedule = PipelineSchedule(blocks: blocks.count)
        let parameters = optimizer.parameters
        // history[i][v]: parameter i after v micro-batch updates of this batch.
        var history = parameters.map { [$0.value.scalars] }
        var losses = [Float]()
        for k in 0..<microBatches {
            for (b, members) in blocks.enumerated() {
                let v = schedule.version(block: b, microBatch: k)
                if v != k { for i in members { load(parameters[i], history[i][v]) } }
            }
            optimizer.zeroGrad()
            let l = try loss(k)
            losses.append(l.scalar)
            l.backward()
            for (b, members) in blocks.enumerated() where schedule.version(block: b, microBatch: k) != k {
                for i in members { load(parameters[i], history[i][k]) }   // the newest weights, gradient kept
            }
            step(k, &optimizer)
            for i in parameters.indices { history[i].append(parameters[i].value.scalars) }
        }
        return losses
    }

    /// Writes `values` into `p` in place, keeping its gradient.
    private static func load(_ p: Parameter, _ values: [Float]) {
        p.update { w, _ in for i in 0..<w.count { w[i] = values[i] } }
    }

    /// The blocks of a sequential model: its top-level layers (slides 001: each layer — conv,
    /// batch norm, activation, linear — is a block), as indices into `model.parameters`.
    public static func blocks(of model: Model) throws -> [[Int]] {
        guard let network = model.network as? Sequential else {
            throw NNError.invalidArgument("--update pipelined needs a sequential network (cnn, mlp), got \(model.spec.summary)")
        }
        var next = 0
        return network.layers.map { layer in
            let n = layer.parameters.count
            defer { next += n }
            return Array(next..<(next + n))
        }
    }
}
