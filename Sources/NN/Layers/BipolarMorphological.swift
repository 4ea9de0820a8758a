import Foundation
import Tensor

/// Bipolar-morphological (BM) arithmetic (Limonova et al., seed 003): a weighted sum computed with
/// additions, maxima, one logarithm per input and exponentials, without multiplications.
///
/// The BM neuron replaces `Σ_j x_j w_j + b` by
///
///     Σ_{α,β ∈ {+,−}} p^α p^β · exp max_j (ln x_j^α + v_j^β) + b,   p^+ = 1, p^− = −1,
///
/// with `x^+ = max(x, 0)`, `x^− = max(−x, 0)`. Converted from trained weights w (the paper's
/// step 2): `v_j^+ = ln w_j` where `w_j > 0`, `v_j^− = ln(−w_j)` where `w_j < 0`, and −∞ on the
/// other side. Each of the four terms keeps only the largest product `|x_j|·|w_j|` of its sign
/// class, so the layer approximates the classical one; fine-tuning recovers the difference.
///
/// Numerics (documented choices):
/// - `ln 0 = −∞` is represented by `ln(x^α + ε)`, ε = 1e-30 (`ln ε ≈ −69`): an input at 0
///   contributes `ε·|w|`, which Float32 cannot distinguish from 0 next to any real term, and its
///   gradient stays finite (`∂/∂x ln(x + ε)` meets an upstream factor `exp(ln ε + v) = ε·|w|`).
/// - The weights' −∞ is `negligible` = −1e4: `exp(−1e4 + …)` is exactly 0 in Float32 with a zero
///   gradient, and unlike −∞ it survives momentum and weight decay without NaN.
/// - The gradient of max is the sub-gradient that sends the output gradient to the arg-max term
///   (ties: the lowest fan-in index), as `maxPlusConv2d` documents; the other terms get 0.
public enum BipolarMorphological {
    /// The stand-in for `ln 0` in the weights.
    public static let negligible: Float = -1e4
    /// The offset inside `ln(x^α + ε)`.
    public static let epsilon: Float = 1e-30

    /// `(v^+, v^−)` from classical weights: `ln|w|` on the weight's sign side, `negligible` elsewhere.
    public static func logWeights(_ w: Tensor) -> (plus: Tensor, minus: Tensor) {
        let s = w.scalars
        let plus = s.map { $0 > 0 ? max(Foundation.log($0), negligible) : negligible }
        let minus = s.map { $0 < 0 ? max(Foundation.log(-$0), negligible) : negligible }
        return (Tensor(shape: w.shape, data: plus), Tensor(shape: w.shape, data: minus))
    }

    /// The classical weights a BM layer stands for: `w = e^{v^+} − e^{v^−}` (exact for a converted
    /// layer before fine-tuning; after it, the weights a classical layer would need).
    public static func equivalentWeights(plus: Tensor, minus: Tensor) -> Tensor {
        let p = plus.scalars, m = minus.scalars
        return Tensor(shape: plus.shape, data: zip(p, m).map { Foundation.exp($0) - Foundation.exp($1) })
    }

    /// The BM convolution `Σ_{α,β} p^α p^β exp(ln x^α ⊙ v^β) + b` (NCHW; v `[O, C, k, k]`,
    /// b `[O]`), composed from existing primitives: relu, shift, log, `maxPlusConv2d`, exp, add.
    public static func conv2d(_ x: Tensor, plus: Tensor, minus: Tensor, bias: Tensor?, stride: Int, padding: Int) -> Tensor {
        let lnPositive = (relu(x) + epsilon).log(), lnNegative = (relu(-x) + epsilon).log()
        func term(_ a: Tensor, _ v: Tensor) -> Tensor { maxPlusConv2d(a, v, stride: stride, padding: padding).exp() }
        let y = term(lnPositive, plus) - term(lnPositive, minus) - term(lnNegative, plus) + term(lnNegative, minus)
        guard let bias else { return y }
        return y + bias.reshaped(to: [1, bias.count, 1, 1])
    }

    /// The BM fully connected layer: x `[N, in]`, v `[out, in]`, b `[out]` → `[N, out]`.
    public static func linear(_ x: Tensor, plus: Tensor, minus: Tensor, bias: Tensor?) -> Tensor {
        let n = x.shape[0], fin = x.shape[1], fout = plus.shape[0]
        let y = conv2d(x.reshaped(to: [n, fin, 1, 1]), plus: plus.reshaped(to: [fout, fin, 1, 1]),
                       minus: minus.reshaped(to: [fout, fin, 1, 1]), bias: bias, stride: 1, padding: 0)
        return y.reshaped(to: [n, fout])
    }
}

/// A bipolar-morphological convolution (NCHW, square kernel): parameters `v_plus`, `v_minus`
/// `[out, in, k, k]` and `bias` `[out]`; the forward pass is `BipolarMorphological.conv2d`.
public struct BMConv2d: Layer {
    public let plus: Parameter
    public let minus: Parameter
    public let bias: Parameter
    public var stride: Int, padding: Int

    /// The BM form of `conv` (its bias, or zero): the paper's conversion of a trained layer.
    public init(converting conv: Conv2d) {
        let (p, m) = BipolarMorphological.logWeights(conv.weight.value)
        plus = Parameter(p); minus = Parameter(m)
        bias = Parameter(conv.bias?.value ?? Tensor.zeros([conv.outChannels]))
        stride = conv.stride; padding = conv.padding
    }

    /// A fresh layer: the conversion of a Kaiming-initialised `Conv2d` with zero bias.
    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                rng: inout RandomSource) {
        self.init(converting: Conv2d(inChannels, outChannels, kernelSize: kernelSize, stride: stride, padding: padding,
                                     bias: true, rng: &rng))
    }

    public var inChannels: Int { plus.shape[1] }
    public var outChannels: Int { plus.shape[0] }
    public var kernelSize: Int { plus.shape[2] }

    public func callAsFunction(_ input: Tensor, context: ForwardContext) -> Tensor { context(.bmConv2d(self), input) }

    public var namedState: [NamedState] {
        [NamedState("v_plus", .parameter(plus)), NamedState("v_minus", .parameter(minus)), NamedState("bias", .parameter(bias))]
    }
}

/// A bipolar-morphological fully connected layer: `v_plus`, `v_minus` `[out, in]`, `bias` `[out]`.
public struct BMLinear: Layer {
    public let plus: Parameter
    public let minus: Parameter
    public let bias: Parameter

    /// The BM form of `linear` (its bias, or zero).
    public init(converting linear: Linear) {
        let (p, m) = BipolarMorphological.logWeights(linear.weight.value)
        plus = Parameter(p); minus = Parameter(m)
        bias = Parameter(linear.bias?.value ?? Tensor.zeros([linear.weight.shape[0]]))
    }

    /// A fresh layer: the conversion of a PyTorch-initialised `Linear`.
    public init(_ inFeatures: Int, _ outFeatures: Int, rng: inout RandomSource) {
        self.init(converting: Linear(inFeatures, outFeatures, bias: true, rng: &rng))
    }

    public var inFeatures: Int { plus.shape[1] }
    public var outFeatures: Int { plus.shape[0] }

    /// The forward pass; an input of rank above 2 is flattened to `[N, in]` first.
    public func callAsFunction(_ input: Tensor, context: ForwardContext) -> Tensor { context(.bmLinear(self), input) }

    public var namedState: [NamedState] {
        [NamedState("v_plus", .parameter(plus)), NamedState("v_minus", .parameter(minus)), NamedState("bias", .parameter(bias))]
    }
}
