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

    /// Back-propagates like `backward()`, calling `ready(i)` as soon as the gradient of
    /// `parameters[i]` is final (no node still to run feeds it), so that work on it, such as
    /// summing it over processes, can overlap the rest of the pass. Every index is reported once,
    /// in the same order for the same graph; one that no gradient reached is reported at the end.
    public func backward(reporting parameters: [Parameter], ready: (Int) -> Void) {
        precondition(count == 1, "backward(): loss must have one element, shape is \(shape)")
        backward(seed: Tensor.ones(shape), reporting: parameters, ready: ready)
    }

    /// Back-propagates with an explicit output gradient `seed` (same shape as `self`).
    public func backward(seed: Tensor) { backward(seed: seed, reporting: [], ready: { _ in }) }

    private func backward(seed: Tensor, reporting parameters: [Parameter], ready: (Int) -> Void) {
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
        // readyAfter[t]: the reported parameters whose last gradient comes from the t-th node run.
        let schedule = order.reversed().filter { !$0.isLeaf }
        var readyAfter = [[Int]](repeating: [], count: schedule.count)
        var unreached: [Int] = []
        if !parameters.isEmpty {
            var index: [ObjectIdentifier: Int] = [:]
            for (i, p) in parameters.enumerated() {
                if let leaf = p.value.node { index[ObjectIdentifier(leaf)] = i }
            }
            var lastUse = [Int](repeating: -1, count: parameters.count)
            for (t, n) in schedule.enumerated() {
                for case let input? in n.inputs where input.isLeaf {
                    if let i = index[ObjectIdentifier(input)] { lastUse[i] = t }
                }
            }
            for (i, t) in lastUse.enumerated() {
                if t >= 0 { readyAfter[t].append(i) } else { unreached.append(i) }
            }
        }
        root.accumulate(seed)
        Autograd.withoutRecording {
            for (t, n) in schedule.enumerated() {
                defer { for i in readyAfter[t] { ready(i) } }
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
        for i in unreached { ready(i) }
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
