import Tensor

/// 2-D convolution with a square kernel, NCHW, weight `[out, in, k, k]`.
///
/// Initialised like torchvision's ResNet: Kaiming normal, `fan_out` mode, ReLU gain:
/// `w ~ N(0, 2 / (out · k · k))`; bias (off by default) zero.
public struct Conv2d: Layer {
    public let weight: Parameter
    public let bias: Parameter?
    public var stride: Int, padding: Int

    public init(
        _ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0, bias: Bool = false,
        rng: inout RandomSource
    ) {
        let std = (2.0 / Float(outChannels * kernelSize * kernelSize)).squareRoot()
        let w = (0..<(outChannels * inChannels * kernelSize * kernelSize)).map { _ in rng.nextNormal() * std }
        weight = Parameter(Tensor(shape: [outChannels, inChannels, kernelSize, kernelSize], data: w))
        self.bias = bias ? Parameter(Tensor.zeros([outChannels])) : nil
        self.stride = stride; self.padding = padding
    }

    public var inChannels: Int { weight.shape[1] }
    public var outChannels: Int { weight.shape[0] }
    public var kernelSize: Int { weight.shape[2] }

    public func callAsFunction(_ input: Tensor, context: ForwardContext) -> Tensor { context(.conv2d(self), input) }

    public var namedState: [NamedState] {
        [NamedState("weight", .parameter(weight))] + (bias.map { [NamedState("bias", .parameter($0))] } ?? [])
    }
}

/// Batch normalisation over channels (PyTorch `BatchNorm2d`): γ = 1, β = 0, momentum 0.1, ε = 1e-5.
public struct BatchNorm2d: Layer {
    public let weight: Parameter
    public let bias: Parameter
    public let statistics: BatchNormState
    public var momentum: Float, eps: Float

    public init(_ channels: Int, momentum: Float = 0.1, eps: Float = 1e-5) {
        weight = Parameter(Tensor.ones([channels]))
        bias = Parameter(Tensor.zeros([channels]))
        statistics = BatchNormState(channels: channels)
        self.momentum = momentum; self.eps = eps
    }

    public func callAsFunction(_ input: Tensor, context: ForwardContext) -> Tensor { context(.batchNorm(self), input) }

    public var namedState: [NamedState] {
        [NamedState("weight", .parameter(weight)), NamedState("bias", .parameter(bias)),
         NamedState("running", .runningStatistics(statistics))]
    }
}

/// Fully connected layer `y = x Wᵀ + b`, weight `[out, in]`.
///
/// Initialised like PyTorch's `nn.Linear`: W and b uniform in ±1/√in.
public struct Linear: Layer {
    public let weight: Parameter
    public let bias: Parameter?

    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, rng: inout RandomSource) {
        let bound = 1 / Float(inFeatures).squareRoot()
        let w = (0..<(inFeatures * outFeatures)).map { _ in (2 * rng.nextUniform() - 1) * bound }
        weight = Parameter(Tensor(shape: [outFeatures, inFeatures], data: w))
        self.bias = bias ? Parameter(Tensor(shape: [outFeatures], data: (0..<outFeatures).map { _ in (2 * rng.nextUniform() - 1) * bound })) : nil
    }

    /// The forward pass; an input of rank above 2 is flattened to `[N, in]` first.
    public func callAsFunction(_ input: Tensor, context: ForwardContext) -> Tensor { context(.linear(self), input) }

    public var namedState: [NamedState] {
        [NamedState("weight", .parameter(weight))] + (bias.map { [NamedState("bias", .parameter($0))] } ?? [])
    }
}
