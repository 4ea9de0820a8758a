/// The closed set of primitive ops. Every differentiable public op records exactly one of these;
/// their gradient rules (vector–Jacobian products) are all in `Primitive+Gradient.swift`.
///
/// Cases carry what the backward pass needs (saved inputs or outputs, detached, and geometry).
/// Input order is the order of the `inputs` array passed to `Tensor.record`.
enum Primitive {
    /// `a + b` with broadcasting. Inputs: a, b.
    case add(lhsShape: [Int], rhsShape: [Int])
    /// `a − b` with broadcasting. Inputs: a, b.
    case subtract(lhsShape: [Int], rhsShape: [Int])
    /// `a · b` with broadcasting. Inputs: a, b.
    case multiply(lhs: Tensor, rhs: Tensor)
    /// `a / b` with broadcasting. Inputs: a, b.
    case divide(lhs: Tensor, rhs: Tensor)
    /// `c · x`. Inputs: x.
    case scale(Float)
    /// `x + c`. Inputs: x.
    case shift
    /// Element-wise `f(x)`. Inputs: x.
    case unary(UnaryFunction, input: Tensor, output: Tensor)
    /// `max(x, 0)`. Inputs: x.
    case relu(output: Tensor)
    /// Element-wise table look-up with per-channel scaling and converters (`ChannelLookup`), its
    /// derivative `∂y/∂x` saved by the forward pass. Inputs: x.
    case lookup(derivative: Tensor)
    /// Same data, new shape. Inputs: x.
    case reshape(inputShape: [Int])
    /// 2-D transpose. Inputs: x.
    case transpose
    /// The middle part of a split of `axis` into `shapes` (before, slice, after). Inputs: x.
    case slice(axis: Int, shapes: [[Int]])
    /// Concatenation along `axis`. Inputs: the parts.
    case concat(axis: Int, shapes: [[Int]])
    /// Sum down to a broadcast-compatible shape (reductions with kept dims). Inputs: x.
    case sumTo(inputShape: [Int])
    /// `[m,k] × [k,n]`. Inputs: a, b.
    case matmul(a: Tensor, b: Tensor)
    /// `x · wᵀ + b`, x `[batch, in]`, w `[out, in]`. Inputs: x, w, (b).
    case linear(x: Tensor, weight: Tensor, hasBias: Bool)
    /// 2-D convolution. Inputs: x, w, (bias).
    case conv2d(x: Tensor, weight: Tensor, hasBias: Bool, geometry: ConvGeometry)
    /// Batch norm over axis 1. Inputs: x, gamma, beta. `training` says whether the statistics
    /// are the batch's (and so depend on x); `sync` is set when they are the batch's over several
    /// processes (synchronised batch norm), whose values per channel number `count` in all.
    case batchNorm(x: Tensor, gamma: Tensor, mean: [Float], invStd: [Float], training: Bool,
                   sync: (any BatchStatisticsReducer)?, count: Int)
    /// Max-plus convolution `max_k x_k + w_k` over each window (bipolar-morphological layers).
    /// Inputs: x, w. `argmax` holds each output's winning fan-in index (−1: none).
    case maxPlusConv2d(argmax: [Int32], geometry: ConvGeometry)
    /// Max pooling. Inputs: x.
    case maxPool2d(inputShape: [Int], argmax: [Int32], geometry: ConvGeometry)
    /// Average pooling. Inputs: x.
    case avgPool2d(inputShape: [Int], geometry: ConvGeometry)
    /// Mean over H, W: `[N,C,H,W] → [N,C]`. Inputs: x.
    case globalAvgPool(inputShape: [Int])
    /// Mean softmax cross-entropy with label smoothing. Inputs: logits.
    case softmaxCrossEntropy(probabilities: Tensor, labels: [Int], smoothing: Float)

    var name: String {
        switch self {
        case .add: "add"
        case .subtract: "subtract"
        case .multiply: "multiply"
        case .divide: "divide"
        case .scale: "scale"
        case .shift: "shift"
        case .unary(let f, _, _): "\(f)"
        case .relu: "relu"
        case .lookup: "lookup"
        case .reshape: "reshape"
        case .transpose: "transpose"
        case .concat: "concat"
        case .slice: "slice"
        case .sumTo: "sum"
        case .matmul: "matmul"
        case .linear: "linear"
        case .conv2d: "conv2d"
        case .batchNorm: "batchNorm"
        case .maxPlusConv2d: "maxPlusConv2d"
        case .maxPool2d: "maxPool2d"
        case .avgPool2d: "avgPool2d"
        case .globalAvgPool: "globalAvgPool"
        case .softmaxCrossEntropy: "softmaxCrossEntropy"
        }
    }
}

/// Element-wise functions with a closed-form derivative.
public enum UnaryFunction: Sendable, CustomStringConvertible {
    case exp, log, tanh, sigmoid, sqrt

    public var description: String {
        switch self {
        case .exp: "exp"
        case .log: "log"
        case .tanh: "tanh"
        case .sigmoid: "sigmoid"
        case .sqrt: "sqrt"
        }
    }
}
