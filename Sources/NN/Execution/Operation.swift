import Tensor

/// One stage of a forward pass, as an execution profile (and the compiler) sees it.
///
/// Every stage that hardware computes goes through `ForwardContext.callAsFunction(_:_:)`, so a
/// profile can replace any of them: the weighted sums (conv, linear, and their bipolar-morphological forms), the activations, the
/// residual add, pooling and flattening. Layers carry their own parameters, so a profile can key
/// per-layer state by `weight.label`.
public enum Operation: Sendable {
    /// `y = W ⊛ x + b`. Input: x `[N, C, H, W]`.
    case conv2d(Conv2d)
    /// `y = x Wᵀ + b`. Input: x `[N, in]` (a higher-rank input is flattened first).
    case linear(Linear)
    /// Bipolar-morphological convolution `Σ p^α p^β exp(ln x^α ⊙ v^β) + b`. Input: x `[N, C, H, W]`.
    case bmConv2d(BMConv2d)
    /// Bipolar-morphological fully connected layer. Input: x `[N, in]` (higher rank is flattened).
    case bmLinear(BMLinear)
    /// Batch normalisation over channels. Input: x `[N, C, H, W]`.
    case batchNorm(BatchNorm2d)
    /// `max(x, 0)`. Input: x.
    case relu
    /// The residual sum `a + b` of two tensors of one shape. Inputs: a, b.
    case add
    /// Max pooling. Input: x `[N, C, H, W]`.
    case maxPool2d(MaxPool2d)
    /// Average pooling. Input: x `[N, C, H, W]`.
    case avgPool2d(AvgPool2d)
    /// Mean over H and W: `[N, C, H, W] → [N, C]`.
    case globalAvgPool
    /// `[N, …] → [N, Π …]`.
    case flatten

    /// A short name for messages and traces (`conv2d`, `relu`, …).
    public var name: String {
        switch self {
        case .conv2d: "conv2d"
        case .linear: "linear"
        case .bmConv2d: "bmConv2d"
        case .bmLinear: "bmLinear"
        case .batchNorm: "batchNorm"
        case .relu: "relu"
        case .add: "add"
        case .maxPool2d: "maxPool2d"
        case .avgPool2d: "avgPool2d"
        case .globalAvgPool: "globalAvgPool"
        case .flatten: "flatten"
        }
    }

    /// The exact Float32 result: what the digital profile computes, and what an analog profile
    /// falls back to for the stages it leaves digital.
    public func digital(_ inputs: [Tensor], training: Bool, batchStatistics: (any BatchStatisticsReducer)? = nil) -> Tensor {
        exactResult(self, inputs, training: training, batchStatistics: batchStatistics)
    }

    /// `[N, …] → [N, Π …]` (a rank-2 input is returned as is).
    static func flatten(_ x: Tensor) -> Tensor {
        x.rank == 2 ? x : x.reshaped(to: [x.shape[0], x.count / Swift.max(x.shape[0], 1)])
    }
}

/// `Operation.digital`, at file scope so that the Tensor functions are not shadowed by the
/// operation's cases of the same names.
private func exactResult(_ operation: Operation, _ inputs: [Tensor], training: Bool,
                         batchStatistics: (any BatchStatisticsReducer)?) -> Tensor {
    let x = inputs[0]
    switch operation {
    case .conv2d(let c): return conv2d(x, c.weight.value, bias: c.bias?.value, stride: c.stride, padding: c.padding)
    case .linear(let l): return linear(Operation.flatten(x), l.weight.value, l.bias?.value)
    case .bmConv2d(let c):
        return BipolarMorphological.conv2d(x, plus: c.plus.value, minus: c.minus.value, bias: c.bias.value,
                                           stride: c.stride, padding: c.padding)
    case .bmLinear(let l):
        return BipolarMorphological.linear(Operation.flatten(x), plus: l.plus.value, minus: l.minus.value, bias: l.bias.value)
    case .batchNorm(let b):
        return batchNorm(x, gamma: b.weight.value, beta: b.bias.value, state: b.statistics, training: training,
                         momentum: b.momentum, eps: b.eps, sync: batchStatistics)
    case .relu: return relu(x)
    case .add: return x + inputs[1]
    case .maxPool2d(let p): return maxPool2d(x, kernel: p.kernelSize, stride: p.stride, padding: p.padding)
    case .avgPool2d(let p): return avgPool2d(x, kernel: p.kernelSize, stride: p.stride, padding: p.padding)
    case .globalAvgPool: return globalAvgPool(x)
    case .flatten: return Operation.flatten(x)
    }
}
