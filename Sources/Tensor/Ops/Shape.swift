// Shape ops (reshape, flatten, transpose, concat) and reductions (sum, mean).

extension Tensor {
    /// Same elements, new shape (shares storage). One dimension may be `-1` (inferred).
    public func reshaped(to newShape: [Int]) -> Tensor {
        var s = newShape
        let known = s.filter { $0 != -1 }.reduce(1, *)
        let unknown = s.indices.filter { s[$0] == -1 }
        precondition(unknown.count <= 1 && s.allSatisfy { $0 >= -1 }, "reshaped(to:): invalid shape \(newShape)")
        if let u = unknown.first {
            precondition(known > 0 && count % known == 0, "reshaped(to:): cannot reshape \(shape) to \(newShape)")
            s[u] = count / known
        }
        precondition(s.reduce(1, *) == count, "reshaped(to:): cannot reshape \(shape) (\(count) elements) to \(newShape)")
        if s == shape { return self }
        return Tensor.record(storage, shape: s, inputs: [self]) { .reshape(inputShape: self.shape) }
    }

    /// `[N, d1, d2, ...] → [N, d1·d2·...]`.
    public func flattened() -> Tensor {
        precondition(rank >= 1, "flattened(): needs rank ≥ 1, shape is \(shape)")
        return reshaped(to: [shape[0], shape.dropFirst().reduce(1, *)])
    }

    /// Transpose of a 2-D tensor.
    public func transposed() -> Tensor {
        precondition(rank == 2, "transposed(): needs a 2-D tensor, shape is \(shape)")
        let t = Kernels.transpose(self)
        return Tensor.record(t.storage, shape: t.shape, inputs: [self]) { .transpose }
    }

    /// Sum of all elements (shape `[]`).
    public func sum() -> Tensor { sumTo(Array(repeating: 1, count: rank)).reshaped(to: []) }

    /// Mean of all elements (shape `[]`).
    public func mean() -> Tensor { sum() * (1 / Float(Swift.max(count, 1))) }

    /// Sum over `axes`; the reduced axes are kept with size 1 when `keepingDims`, else removed.
    public func sum(alongAxes axes: [Int], keepingDims: Bool = false) -> Tensor {
        let ax = Set(axes.map { $0 < 0 ? $0 + rank : $0 })
        precondition(ax.allSatisfy { $0 >= 0 && $0 < rank }, "sum(alongAxes:): axes \(axes) out of range for shape \(shape)")
        let kept = shape.indices.map { ax.contains($0) ? 1 : shape[$0] }
        let r = sumTo(kept)
        return keepingDims ? r : r.reshaped(to: shape.indices.filter { !ax.contains($0) }.map { shape[$0] })
    }

    /// Mean over `axes`.
    public func mean(alongAxes axes: [Int], keepingDims: Bool = false) -> Tensor {
        let n = Set(axes.map { $0 < 0 ? $0 + rank : $0 }).reduce(1) { $0 * shape[$1] }
        return sum(alongAxes: axes, keepingDims: keepingDims) * (1 / Float(Swift.max(n, 1)))
    }

    /// Sums down to `target` (same rank, each dimension equal or 1).
    func sumTo(_ target: [Int]) -> Tensor {
        let r = Kernels.sumTo(self, target)
        return Tensor.record(r.storage, shape: target, inputs: [self]) { .sumTo(inputShape: self.shape) }
    }
}

extension Tensor {
    /// Elements `range` of `axis` (the other dimensions whole); the gradient is `g` inside the slice
    /// and 0 outside.
    public func slice(axis: Int, _ range: Range<Int>) -> Tensor {
        let ax = axis < 0 ? axis + rank : axis
        precondition(ax >= 0 && ax < rank && range.lowerBound >= 0 && range.upperBound <= shape[ax],
                     "slice: \(range) of axis \(axis) out of range for shape \(shape)")
        if range.count == shape[ax] { return self }
        let parts = Kernels.sliceShapes(shape, axis: ax, range)
        let mid = Kernels.split(self, axis: ax, shapes: parts)[1]
        return Tensor.record(mid.storage, shape: parts[1], inputs: [self]) { .slice(axis: ax, shapes: parts) }
    }
}

/// Concatenation of `tensors` along `axis` (all other dimensions equal).
public func concat(_ tensors: [Tensor], axis: Int) -> Tensor {
    guard let first = tensors.first else { preconditionFailure("concat: no tensors") }
    let rank = first.rank
    let ax = axis < 0 ? axis + rank : axis
    precondition(ax >= 0 && ax < rank, "concat: axis \(axis) out of range for rank \(rank)")
    for t in tensors {
        precondition(t.rank == rank && t.shape.indices.allSatisfy { $0 == ax || t.shape[$0] == first.shape[$0] },
                     "concat: shape \(t.shape) does not match \(first.shape) outside axis \(ax)")
    }
    var shape = first.shape
    shape[ax] = tensors.reduce(0) { $0 + $1.shape[ax] }
    let out = Kernels.concat(tensors.map { $0 }, axis: ax, shape: shape)
    return Tensor.record(out, shape: shape, inputs: tensors) { .concat(axis: ax, shapes: tensors.map(\.shape)) }
}

extension Kernels {
    static func transpose(_ x: Tensor) -> Tensor {
        let m = x.shape[0], n = x.shape[1]
        let out = TensorStorage(uninitializedCount: m * n)
        let px = x.storage.base, po = out.base
        for i in 0..<m { for j in 0..<n { po[j * m + i] = px[i * n + j] } }
        return Tensor(shape: [n, m], storage: out)
    }

    static func concat(_ parts: [Tensor], axis: Int, shape: [Int]) -> TensorStorage {
        let outer = shape[..<axis].reduce(1, *), inner = shape[(axis + 1)...].reduce(1, *)
        let out = TensorStorage(uninitializedCount: shape.reduce(1, *))
        let rowOut = shape[axis] * inner
        var offset = 0
        for p in parts {
            let rowIn = p.shape[axis] * inner
            let src = p.storage.base
            for o in 0..<outer { (out.base + o * rowOut + offset).update(from: src + o * rowIn, count: rowIn) }
            offset += rowIn
        }
        return out
    }

    /// The slices of `g` (shape with `shapes` concatenated along `axis`) that concat's inputs had.
    /// The shapes before, inside and after `range` of `axis`.
    static func sliceShapes(_ shape: [Int], axis: Int, _ range: Range<Int>) -> [[Int]] {
        [range.lowerBound, range.count, shape[axis] - range.upperBound].map { n in
            var s = shape
            s[axis] = n
            return s
        }
    }

    static func split(_ g: Tensor, axis: Int, shapes: [[Int]]) -> [Tensor] {
        let outer = g.shape[..<axis].reduce(1, *), inner = g.shape[(axis + 1)...].reduce(1, *)
        let rowG = g.shape[axis] * inner
        var offset = 0
        return shapes.map { s in
            let rowP = s[axis] * inner
            let out = TensorStorage(uninitializedCount: s.reduce(1, *))
            for o in 0..<outer { (out.base + o * rowP).update(from: g.storage.base + o * rowG + offset, count: rowP) }
            offset += rowP
            return Tensor(shape: s, storage: out)
        }
    }
}
