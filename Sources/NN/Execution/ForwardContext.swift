import Tensor

/// Per-call settings of a forward pass: training or evaluation mode, the execution profile and the
/// noise stream that the profile draws from.
public struct ForwardContext: Sendable {
    /// Training mode: batch-norm uses batch statistics and updates its running statistics.
    public var training: Bool
    public var profile: any ExecutionProfile
    /// Random draws of this pass (noise, perturbed weights), seeded from (seed, step).
    public var noise: NoiseStream
    /// Set in data-parallel training with synchronised batch norm (`--sync-bn`): batch-norm layers
    /// in training mode take their statistics over every process's part of the batch.
    public var batchStatistics: (any BatchStatisticsReducer)?

    public init(training: Bool, profile: any ExecutionProfile = DigitalProfile(), noise: NoiseStream = NoiseStream(seed: 0, step: 0),
                batchStatistics: (any BatchStatisticsReducer)? = nil) {
        self.training = training; self.profile = profile; self.noise = noise; self.batchStatistics = batchStatistics
    }
    /// Training mode, digital (PyTorch's `model.train()`).
    public static let training = ForwardContext(training: true)
    /// Evaluation mode, digital (PyTorch's `model.eval()`).
    public static let inference = ForwardContext(training: false)

    /// Computes one stage through the profile: `context(.relu, x)`, `context(.add, a, b)`.
    public func callAsFunction(_ operation: Operation, _ inputs: Tensor...) -> Tensor {
        profile.apply(operation, to: inputs, context: self)
    }
}

/// The random numbers of one forward/backward pass, as a pure function of (seed, step, site).
///
/// A profile asks for `generator(for: site)` where `site` names where the draw happens (a layer's
/// parameter label and what is drawn, e.g. `layer1.0.conv1.weight/read`). Nothing is stateful, so
/// the draws do not depend on the order of the stages, the same site gives the same numbers in the
/// forward and backward pass of one step, and a run resumed at step s draws what the uninterrupted
/// run drew.
public struct NoiseStream: Sendable, Equatable {
    public var seed: UInt64
    public var step: UInt64

    public init(seed: UInt64, step: UInt64) { self.seed = seed; self.step = step }

    /// An independent generator for `site` in this step.
    public func generator(for site: String) -> RandomSource {
        RandomSource(seed: seed, stream: step, Self.fnv1a(site))
    }

    /// FNV-1a, 64 bit: a hash that is the same in every process (Swift's `Hasher` is seeded per run).
    static func fnv1a(_ text: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return h
    }
}
