/// Reverse-mode automatic differentiation: recording switch and the backward pass.
public enum Autograd {
    /// Whether ops record a graph (default `true`; task- and thread-local).
    @TaskLocal public static var isRecording: Bool = true

    /// Runs `body` without recording a graph (evaluation, optimizer steps).
    public static func withoutRecording<R>(_ body: () throws -> R) rethrows -> R {
        try $isRecording.withValue(false) { try body() }
    }
}

/// Runs `body` without recording a graph. Same as `Autograd.withoutRecording`.
public func noGrad<R>(_ body: () throws -> R) rethrows -> R {
    try Autograd.withoutRecording(body)
}

/// A graph node: the primitive that produced a tensor and the nodes of its inputs.
final class Node: @unchecked Sendable {
    let shape: [Int]
    let isLeaf: Bool
    var primitive: Primitive?
    var inputs: [Node?]
    var grad: Tensor?

    init(leafShape: [Int]) {
        shape = leafShape
        isLeaf = true
        primitive = nil
        inputs = []
    }

    init(shape: [Int], primitive: Primitive, inputs: [Node?]) {
        self.shape = shape
        isLeaf = false
        self.primitive = primitive
        self.inputs = inputs
    }

    func accumulate(_ g: Tensor) {
        precondition(g.shape == shape, "autograd: gradient shape \(g.shape) != tensor shape \(shape)")
        if var existing = grad {
            grad = nil
            Kernels.accumulate(into: &existing, g)
            grad = existing
        } else {
            grad = g.detached()
        }
    }
}

extension Tensor {
    /// Wraps a freshly computed result; records a graph node when recording and any input is tracked.
    static func record(
        _ storage: TensorStorage, shape: [Int], inputs: [Tensor], _ primitive: () -> Primitive
    ) -> Tensor {
        #if TENSOR_CHECKS
        Checks.requireFinite(storage, shape) { primitive().name }
        #endif
        guard inputs.contains(where: { $0.node != nil }), Autograd.isRecording else {
            return Tensor(shape: shape, storage: storage)
        }
        let node = Node(shape: shape, primitive: primitive(), inputs: inputs.map(\.node))
        return Tensor(shape: shape, storage: storage, node: node)
    }

    /// Back-propagates from this scalar (one-element) tensor into every leaf that requires grad,
    /// accumulating into their `grad`. Frees the graph as it goes.
    public func backward() {
        precondition(count == 1, "backward(): loss must have one element, shape is \(shape)")
        backward(seed: Tensor.ones(shape))
    }

    /// Back-propagates with an explicit output gradient `seed` (same shape as `self`).
    public func backward(seed: Tensor) {
        precondition(seed.shape == shape, "backward(seed:): seed shape \(seed.shape) != \(shape)")
        guard let root = node else {
            preconditionFailure("backward(): tensor does not require grad (no input was tracked)")
        }
        // Iterative post-order DFS: inputs come before the nodes that use them.
        var order: [Node] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Node, Bool)] = [(root, false)]
        while let (n, expanded) = stack.popLast() {
            if expanded { order.append(n); continue }
            if !visited.insert(ObjectIdentifier(n)).inserted { continue }
            stack.append((n, true))
            for case let p? in n.inputs where !visited.contains(ObjectIdentifier(p)) {
                stack.append((p, false))
            }
        }
        root.accumulate(seed)
        Autograd.withoutRecording {
            for n in order.reversed() where !n.isLeaf {
                defer { n.grad = nil; n.primitive = nil; n.inputs = [] }
                guard let primitive = n.primitive, let g = n.grad else { continue }
                let needed = n.inputs.map { $0 != nil }
                let gradients = primitive.inputGradients(g, needed: needed)
                precondition(gradients.count == n.inputs.count, "autograd: \(primitive.name) returned \(gradients.count) gradients for \(n.inputs.count) inputs")
                for (input, gi) in zip(n.inputs, gradients) {
                    guard let input, let gi else { continue }
                    #if TENSOR_CHECKS
                    Checks.requireFinite(gi.storage, gi.shape) { "the gradient of \(primitive.name)" }
                    #endif
                    input.accumulate(gi)
                }
            }
        }
    }
}

#if TENSOR_CHECKS
/// Expensive invariant checks, compiled in with `-Xswiftc -DTENSOR_CHECKS`.
enum Checks {
    static func requireFinite(_ s: TensorStorage, _ shape: [Int], _ what: () -> String) {
        for i in 0..<s.count where !s.base[i].isFinite {
            preconditionFailure("TENSOR_CHECKS: non-finite value \(s.base[i]) at \(i) in \(what()) (shape \(shape))")
        }
    }
}
#endif
