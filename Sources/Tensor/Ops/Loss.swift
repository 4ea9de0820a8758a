import Foundation

/// Mean softmax cross-entropy of `logits` `[N, K]` against integer `labels` (N of them, each in
/// `0..<K`), with label smoothing ε: the target is `(1 − ε)·onehot + ε/K`. Result shape `[]`.
public func softmaxCrossEntropy(_ logits: Tensor, labels: [Int], labelSmoothing: Float = 0) -> Tensor {
    precondition(logits.rank == 2, "softmaxCrossEntropy: logits must be [N, K], shape is \(logits.shape)")
    let n = logits.shape[0], k = logits.shape[1]
    precondition(labels.count == n, "softmaxCrossEntropy: \(labels.count) labels for \(n) rows")
    precondition(labels.allSatisfy { $0 >= 0 && $0 < k }, "softmaxCrossEntropy: labels must be in 0..<\(k)")
    precondition(labelSmoothing >= 0 && labelSmoothing <= 1, "softmaxCrossEntropy: labelSmoothing \(labelSmoothing) not in [0, 1]")
    let probs = TensorStorage(uninitializedCount: n * k)
    var total = 0.0
    let px = logits.storage.base, pp = probs.base
    let offTarget = labelSmoothing / Float(k), onTarget = 1 - labelSmoothing + offTarget
    for i in 0..<n {
        let row = px + i * k, prow = pp + i * k
        var mx = -Float.infinity
        for j in 0..<k { mx = Swift.max(mx, row[j]) }
        var z: Float = 0
        for j in 0..<k { let e = Foundation.exp(row[j] - mx); prow[j] = e; z += e }
        let logZ = Foundation.log(z) + mx
        let inv = 1 / z
        var rowLoss: Float = 0
        for j in 0..<k {
            prow[j] *= inv
            let q = j == labels[i] ? onTarget : offTarget
            if q != 0 { rowLoss -= q * (row[j] - logZ) }
        }
        total += Double(rowLoss)
    }
    let out = TensorStorage(repeating: Float(total / Double(Swift.max(n, 1))), count: 1)
    let saved = Tensor(shape: logits.shape, storage: probs)
    return Tensor.record(out, shape: [], inputs: [logits]) {
        .softmaxCrossEntropy(probabilities: saved, labels: labels, smoothing: labelSmoothing)
    }
}
