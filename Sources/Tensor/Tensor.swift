import Foundation

/// Kelvin's tensor: Float32, row-major (NCHW for images), value semantics, reverse-mode autograd.
///
/// API conventions (kept stable; see TENSOR_API.md at the repository root):
/// - `Tensor` is a value type over an immutable, shared storage; reshapes share storage, every
///   op allocates its result. Mutation only through `withUnsafeMutableBufferPointer` (copy-on-write)
///   or `Parameter.update`.
/// - Multi-input ops are free functions (`conv2d`, `linear`, `matmul`, `batchNorm`, `concat`,
///   `softmaxCrossEntropy`, `maxPool2d`, `avgPool2d`, `globalAvgPool`, `relu`) and operators
///   (`+ - * /` with NumPy broadcasting). Unary shape/reduction ops are methods
///   (`reshaped(to:)`, `flattened()`, `sum()`, `mean()`, `sum(alongAxes:)`, `relu()`, `exp()`...).
/// - Autograd: set `requiresGrad = true` on leaves (or use `Parameter`), run the forward, call
///   `loss.backward()`; leaf gradients accumulate in `grad` until `zeroGrad()`. The graph is freed
///   by `backward()`. `Autograd.withoutRecording { ... }` (alias `noGrad`) runs without recording.
/// - Trainable state: `Parameter` (final class) holds a leaf tensor; optimizers update it in place
///   with `parameter.update { weights, grad in ... }`. Batch-norm running statistics live in
///   `BatchNormState` (final class).
/// - The primitive ops and their gradient rules are the closed set in `Primitive.swift` and
///   `Primitive+Gradient.swift`; everything else is composed from them.
public struct Tensor: Sendable {
    /// Dimensions, outermost first (NCHW for images). `[]` is a scalar.
    public let shape: [Int]
    var storage: TensorStorage
    var node: Node?

    init(shape: [Int], storage: TensorStorage, node: Node? = nil) {
        self.shape = shape
        self.storage = storage
        self.node = node
    }

    /// A tensor holding `data` (row-major) with the given shape.
    public init(shape: [Int], data: [Float], requiresGrad: Bool = false) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative dimension in shape \(shape)")
        let n = shape.reduce(1, *)
        precondition(n == data.count, "Tensor: shape \(shape) needs \(n) values, got \(data.count)")
        self.shape = shape
        self.storage = data.withUnsafeBufferPointer { buf in
            buf.baseAddress.map { TensorStorage(copying: $0, count: n) } ?? TensorStorage(uninitializedCount: 0)
        }
        self.node = nil
        if requiresGrad { self.requiresGrad = true }
    }

    /// A tensor whose values `fill` writes, every element of the buffer (in the tensor allocator's
    /// reused storage, without an intermediate array).
    public init(shape: [Int], filling fill: (UnsafeMutableBufferPointer<Float>) -> Void) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative dimension in shape \(shape)")
        let n = shape.reduce(1, *)
        let storage = TensorStorage(uninitializedCount: n)
        fill(UnsafeMutableBufferPointer(start: storage.base, count: n))
        self.init(shape: shape, storage: storage)
    }

    /// A scalar (shape `[]`).
    public init(_ value: Float) { self.init(shape: [], data: [value]) }

    /// Number of elements.
    public var count: Int { storage.count }
    /// Number of dimensions.
    public var rank: Int { shape.count }

    public static func full(_ shape: [Int], value: Float) -> Tensor {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor.full: negative dimension in shape \(shape)")
        return Tensor(shape: shape, storage: TensorStorage(repeating: value, count: shape.reduce(1, *)))
    }
    public static func zeros(_ shape: [Int]) -> Tensor { full(shape, value: 0) }
    public static func ones(_ shape: [Int]) -> Tensor { full(shape, value: 1) }

    /// Normal(0, std²) samples (Box–Muller) from `generator`.
    public static func randn(_ shape: [Int], std: Float = 1, using generator: inout some RandomNumberGenerator) -> Tensor {
        let n = shape.reduce(1, *)
        let s = TensorStorage(uninitializedCount: n)
        var i = 0
        while i < n {
            let u1 = Float.random(in: Float.leastNormalMagnitude..<1, using: &generator)
            let u2 = Float.random(in: 0..<1, using: &generator)
            let r = (-2 * Float(Foundation.log(Double(u1)))).squareRoot() * std
            s.base[i] = r * Float(Foundation.cos(2 * Double.pi * Double(u2)))
            if i + 1 < n { s.base[i + 1] = r * Float(Foundation.sin(2 * Double.pi * Double(u2))) }
            i += 2
        }
        return Tensor(shape: shape, storage: s)
    }

    /// Uniform samples in `range` from `generator`.
    public static func uniform(_ shape: [Int], in range: ClosedRange<Float>, using generator: inout some RandomNumberGenerator) -> Tensor {
        let n = shape.reduce(1, *)
        let s = TensorStorage(uninitializedCount: n)
        for i in 0..<n { s.base[i] = Float.random(in: range, using: &generator) }
        return Tensor(shape: shape, storage: s)
    }

    /// The elements, copied out (row-major).
    public var scalars: [Float] { Array(UnsafeBufferPointer(start: storage.base, count: count)) }

    /// The single element of a one-element tensor.
    public var scalar: Float {
        precondition(count == 1, "Tensor.scalar: tensor of shape \(shape) has \(count) elements")
        return storage.base[0]
    }

    /// Whether this tensor is tracked by autograd. Setting it to `true` makes the tensor a fresh leaf.
    public var requiresGrad: Bool {
        get { node != nil }
        set {
            if newValue {
                if node?.isLeaf != true { node = Node(leafShape: shape) }
            } else {
                node = nil
            }
        }
    }

    /// The accumulated gradient of a leaf after `backward()`; `nil` before, or for non-leaves.
    public var grad: Tensor? {
        guard let node, node.isLeaf else { return nil }
        return node.grad
    }

    /// Clears the accumulated gradient of a leaf.
    public func zeroGrad() { node?.grad = nil }

    /// The same values, cut from the graph (never requires grad).
    public func detached() -> Tensor { Tensor(shape: shape, storage: storage) }

    /// Read-only access to the elements.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.base, count: count))
    }

    /// In-place mutation of the elements (copy-on-write; keeps leaf identity and gradient).
    /// Mutating a tensor that is part of a recorded graph is a programmer error.
    public mutating func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        precondition(node?.isLeaf ?? true, "Tensor: in-place mutation of a non-leaf tensor")
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        return try body(UnsafeMutableBufferPointer(start: storage.base, count: count))
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let vals = count <= 16 ? "\(scalars)" : "\(Array(scalars.prefix(8))) …"
        return "Tensor(shape: \(shape), \(vals)\(requiresGrad ? ", requiresGrad" : ""))"
    }
}

/// A trainable tensor with identity. Layers hold `Parameter`s and read `value` in their forward;
/// optimizers call `update` after `backward()`.
public final class Parameter: @unchecked Sendable {
    /// The current value: a leaf that requires grad.
    public private(set) var value: Tensor
    /// The parameter's `state_dict` name (`layer1.0.conv1.weight`), set when a model is built; empty
    /// for a free-standing parameter. Execution profiles key per-layer state and noise by it.
    public var label = ""

    public init(_ value: Tensor) {
        var v = value.detached()
        v.requiresGrad = true
        self.value = v
    }

    public var shape: [Int] { value.shape }
    /// The gradient accumulated by `backward()` calls since the last `zeroGrad()`.
    public var grad: Tensor? { value.grad }
    public func zeroGrad() { value.zeroGrad() }

    /// Updates the values in place: `body(values, gradient)`; the gradient is `nil` when no
    /// backward pass reached this parameter. Copies first only if the storage is still shared
    /// (for example by a graph that was never run backward).
    public func update(_ body: (UnsafeMutableBufferPointer<Float>, UnsafeBufferPointer<Float>?) -> Void) {
        let g = value.grad
        value.withUnsafeMutableBufferPointer { w in
            if let g {
                g.withUnsafeBufferPointer { body(w, $0) }
            } else {
                body(w, nil)
            }
        }
    }

    /// Like `update`, split over the cores: `body(range, values, gradient)` is called concurrently
    /// on disjoint ranges covering all elements and must touch only elements in `range` (of the
    /// values, the gradient and any state of its own). Skipped when there is no gradient.
    public func updateInParallel(_ body: (Range<Int>, UnsafeMutableBufferPointer<Float>, UnsafeBufferPointer<Float>) -> Void) {
        guard let g = value.grad else { return }
        value.withUnsafeMutableBufferPointer { w in
            g.withUnsafeBufferPointer { gb in
                Parallel.forRanges(w.count, grain: 1 << 14) { r in body(r, w, gb) }
            }
        }
    }

    /// Replaces the accumulated gradient (shape must match), e.g. by its average over processes.
    public func setGradient(_ gradient: Tensor) {
        precondition(gradient.shape == value.shape, "Parameter.setGradient: shape \(gradient.shape) != \(value.shape)")
        value.node?.grad = gradient.detached()
    }

    /// Replaces the values (shape must match); keeps identity, clears the gradient.
    public func assign(_ newValue: Tensor) {
        precondition(newValue.shape == value.shape, "Parameter.assign: shape \(newValue.shape) != \(value.shape)")
        var v = newValue.detached()
        v.requiresGrad = true
        value = v
    }
}

