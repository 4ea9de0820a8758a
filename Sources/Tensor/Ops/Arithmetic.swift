import CKernels
import Foundation

// Element-wise arithmetic (NumPy broadcasting), scalar forms, and element-wise functions.

extension Tensor {
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        let (s, shape) = Kernels.binary(AddF.self, a, b, "+")
        return record(s, shape: shape, inputs: [a, b]) { .add(lhsShape: a.shape, rhsShape: b.shape) }
    }
    public static func - (a: Tensor, b: Tensor) -> Tensor {
        let (s, shape) = Kernels.binary(SubF.self, a, b, "-")
        return record(s, shape: shape, inputs: [a, b]) { .subtract(lhsShape: a.shape, rhsShape: b.shape) }
    }
    public static func * (a: Tensor, b: Tensor) -> Tensor {
        let (s, shape) = Kernels.binary(MulF.self, a, b, "*")
        return record(s, shape: shape, inputs: [a, b]) { .multiply(lhs: a.detached(), rhs: b.detached()) }
    }
    public static func / (a: Tensor, b: Tensor) -> Tensor {
        let (s, shape) = Kernels.binary(DivF.self, a, b, "/")
        return record(s, shape: shape, inputs: [a, b]) { .divide(lhs: a.detached(), rhs: b.detached()) }
    }

    /// `c · x`.
    public static func * (c: Float, x: Tensor) -> Tensor {
        let r = Kernels.map(x, ScaleF(c: c))
        return record(r.storage, shape: x.shape, inputs: [x]) { .scale(c) }
    }
    public static func * (x: Tensor, c: Float) -> Tensor { c * x }
    public static func / (x: Tensor, c: Float) -> Tensor { (1 / c) * x }
    /// `x + c`.
    public static func + (x: Tensor, c: Float) -> Tensor {
        let r = Kernels.map(x, ShiftF(c: c))
        return record(r.storage, shape: x.shape, inputs: [x]) { .shift }
    }
    public static func + (c: Float, x: Tensor) -> Tensor { x + c }
    public static func - (x: Tensor, c: Float) -> Tensor { x + (-c) }
    public static func - (c: Float, x: Tensor) -> Tensor { (-1 * x) + c }
    public static prefix func - (x: Tensor) -> Tensor { -1 * x }

    /// Element-wise `f(x)` for a function with a built-in derivative.
    public func apply(_ f: UnaryFunction) -> Tensor {
        let r: Tensor
        switch f {
        case .exp: r = Kernels.map(self, CK.kernels.exp!)  // within 2 ulp, vectorised (CKernels.h)
        case .log: r = Kernels.map(self, CK.kernels.log!)
        case .tanh: r = Kernels.map(self) { Foundation.tanh($0) }
        case .sigmoid: r = Kernels.map(self) { 1 / (1 + Foundation.exp(-$0)) }
        case .sqrt: r = Kernels.map(self) { $0.squareRoot() }
        }
        return Tensor.record(r.storage, shape: shape, inputs: [self]) {
            .unary(f, input: self.detached(), output: r)
        }
    }
    public func exp() -> Tensor { apply(.exp) }
    public func log() -> Tensor { apply(.log) }
    public func tanh() -> Tensor { apply(.tanh) }
    public func sigmoid() -> Tensor { apply(.sigmoid) }
    public func sqrt() -> Tensor { apply(.sqrt) }

    /// `max(x, 0)` element-wise.
    public func relu() -> Tensor {
        let result = Kernels.map(self, CK.kernels.relu!)
        return Tensor.record(result.storage, shape: shape, inputs: [self]) { .relu(output: result) }
    }
}

/// `max(x, 0)` element-wise.
public func relu(_ x: Tensor) -> Tensor { x.relu() }
