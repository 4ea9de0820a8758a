import Tensor

/// A named piece of layer state: a trainable parameter or batch-norm running statistics.
public struct NamedState: Sendable {
    public enum Value: Sendable {
        case parameter(Parameter)
        case runningStatistics(BatchNormState)
    }
    public var name: String
    public var value: Value
    public init(_ name: String, _ value: Value) { self.name = name; self.value = value }

    /// This entry with `prefix.` prepended to its name.
    public func prefixed(_ prefix: String) -> NamedState { NamedState(prefix + "." + name, value) }
}

/// A network layer: a forward function plus its (named) parameters and state.
///
/// Layers are value types whose trainable tensors are `Parameter` references, so copying a layer
/// shares its weights (like a PyTorch module reference).
public protocol Layer: Sendable {
    /// The forward pass.
    func callAsFunction(_ input: Tensor, context: ForwardContext) -> Tensor
    /// Every parameter and running statistic, named like PyTorch's `state_dict` keys (`conv1.weight`, `bn1`).
    var namedState: [NamedState] { get }
}

extension Layer {
    /// The forward pass in evaluation mode.
    public func callAsFunction(_ input: Tensor) -> Tensor { self(input, context: .inference) }

    /// The trainable parameters, in a fixed order.
    public var parameters: [Parameter] {
        namedState.compactMap { if case .parameter(let p) = $0.value { return p } else { return nil } }
    }

    /// The trainable parameters with their names.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        namedState.compactMap { if case .parameter(let p) = $0.value { return ($0.name, p) } else { return nil } }
    }

    /// Number of trainable scalars.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }

    /// Clears every parameter's gradient.
    public func zeroGrad() { for p in parameters { p.zeroGrad() } }
}

/// Parameterless element-wise rectifier.
public struct ReLU: Layer {
    public init() {}
    public func callAsFunction(_ input: Tensor, context: ForwardContext) -> Tensor { context(.relu, input) }
    public var namedState: [NamedState] { [] }
}

/// Max pooling with a square window.
public struct MaxPool2d: Layer {
    public var kernelSize: Int, stride: Int, padding: Int
    public init(kernelSize: Int, stride: Int? = nil, padding: Int = 0) {
        self.kernelSize = kernelSize; self.stride = stride ?? kernelSize; self.padding = padding
    }
    public func callAsFunction(_ input: Tensor, context: ForwardContext) -> Tensor { context(.maxPool2d(self), input) }
    public var namedState: [NamedState] { [] }
}

/// Average pooling with a square window (zero padding counted, as PyTorch's default).
public struct AvgPool2d: Layer {
    public var kernelSize: Int, stride: Int, padding: Int
    public init(kernelSize: Int, stride: Int? = nil, padding: Int = 0) {
        self.kernelSize = kernelSize; self.stride = stride ?? kernelSize; self.padding = padding
    }
    public func callAsFunction(_ input: Tensor, context: ForwardContext) -> Tensor { context(.avgPool2d(self), input) }
    public var namedState: [NamedState] { [] }
}

/// Mean over the spatial dimensions: `[N, C, H, W] → [N, C]`.
public struct GlobalAvgPool: Layer {
    public init() {}
    public func callAsFunction(_ input: Tensor, context: ForwardContext) -> Tensor { context(.globalAvgPool, input) }
    public var namedState: [NamedState] { [] }
}

/// `[N, …] → [N, Π …]`, before a linear layer.
public struct Flatten: Layer {
    public init() {}
    public func callAsFunction(_ input: Tensor, context: ForwardContext) -> Tensor { context(.flatten, input) }
    public var namedState: [NamedState] { [] }
}

/// `y = body(x) + shortcut(x)` (the shortcut is the identity when absent); state names
/// `body.…` and `shortcut.…`.
public struct Residual: Layer {
    public var body: any Layer
    public var shortcut: (any Layer)?
    public init(_ body: any Layer, shortcut: (any Layer)? = nil) { self.body = body; self.shortcut = shortcut }

    public func callAsFunction(_ input: Tensor, context: ForwardContext) -> Tensor {
        context(.add, body(input, context: context), shortcut.map { $0(input, context: context) } ?? input)
    }
    public var namedState: [NamedState] {
        body.namedState.map { $0.prefixed("body") } + (shortcut?.namedState.map { $0.prefixed("shortcut") } ?? [])
    }
}

/// Layers applied one after another; state names are prefixed with the layer index (`0.weight`).
public struct Sequential: Layer {
    public var layers: [any Layer]
    public init(_ layers: [any Layer]) { self.layers = layers }
    public init(_ layers: any Layer...) { self.layers = layers }

    public func callAsFunction(_ input: Tensor, context: ForwardContext) -> Tensor {
        layers.reduce(input) { x, layer in layer(x, context: context) }
    }
    public var namedState: [NamedState] {
        layers.enumerated().flatMap { i, l in l.namedState.map { $0.prefixed("\(i)") } }
    }
}
