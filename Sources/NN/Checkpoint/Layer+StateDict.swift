import Tensor

/// PyTorch `state_dict` exchange: a layer's state under PyTorch's names, without Kelvin's `model.` prefix.
extension Layer {
    /// The suffix of the batch-norm step counters PyTorch keeps beside the running statistics.
    public static var batchCounterSuffix: String { "num_batches_tracked" }

    /// The state as PyTorch's `state_dict()` holds it: parameters and running statistics as F32 and,
    /// for each batch-norm, `num_batches_tracked` as a 0-d I64 holding `batchesTracked` (so
    /// `load_state_dict(strict=True)` accepts it).
    public func stateDict(batchesTracked: Int64 = 0) -> [Safetensors.Entry] {
        var out = [Safetensors.Entry]()
        for entry in namedState {
            switch entry.value {
            case .parameter(let p):
                out.append(.init(name: entry.name, shape: p.shape, values: p.value.scalars))
            case .runningStatistics(let s):
                let base = Self.statisticsBase(entry.name)
                out.append(.init(name: base + "running_mean", shape: [s.channels], values: s.runningMean))
                out.append(.init(name: base + "running_var", shape: [s.channels], values: s.runningVar))
                out.append(.init(name: base + Self.batchCounterSuffix, shape: [], values: [batchesTracked]))
            }
        }
        return out
    }

    /// Loads a PyTorch state dict after checking that it fits exactly: every name of the model present
    /// with the model's shape and a floating-point type, no other names (names ending in
    /// `num_batches_tracked` are ignored). Every difference is reported at once, in an
    /// `NNError.stateMismatch`, and nothing is assigned unless all fit. `path` names the source in errors.
    public func loadStateDict(_ tensors: [Safetensors.Entry], path: String) throws {
        var byName = [String: Safetensors.Entry]()
        for t in tensors { byName[t.name] = t }
        let expected = stateArrays(prefix: "")
        var missing = [String](), misshaped = [NNError.ShapeMismatch](), integer = [String]()
        for e in expected {
            guard let t = byName[e.name] else { missing.append(e.name); continue }
            if t.shape != e.shape { misshaped.append(.init(name: e.name, expected: e.shape, found: t.shape)) }
            if t.namedArray == nil { integer.append(e.name) }
        }
        let known = Set(expected.map(\.name))
        let unexpected = tensors.map(\.name).filter { !known.contains($0) && !$0.hasSuffix(Self.batchCounterSuffix) }
        guard missing.isEmpty, unexpected.isEmpty, misshaped.isEmpty else {
            throw NNError.stateMismatch(path: path, missing: missing, unexpected: unexpected, misshaped: misshaped)
        }
        guard integer.isEmpty else {
            throw NNError.mismatch(path: path, reason: "integer tensors where the model needs floating point: "
                + integer.joined(separator: ", "))
        }
        try loadState(from: tensors.compactMap(\.namedArray), prefix: "", path: path)
    }
}
