import Tensor

extension Layer {
    /// The layer's parameters and running statistics as named arrays (torchvision `state_dict` names,
    /// e.g. `layer1.0.conv1.weight`, `bn1.running_mean`), each prefixed with `prefix`.
    public func stateArrays(prefix: String = "model.") -> [NamedArray] {
        var out = [NamedArray]()
        for entry in namedState {
            switch entry.value {
            case .parameter(let p):
                out.append(NamedArray(name: prefix + entry.name, shape: p.shape, values: p.value.scalars))
            case .runningStatistics(let s):
                let base = prefix + Self.statisticsBase(entry.name)
                out.append(NamedArray(name: base + "running_mean", shape: [s.channels], values: s.runningMean))
                out.append(NamedArray(name: base + "running_var", shape: [s.channels], values: s.runningVar))
            }
        }
        return out
    }

    /// Restores parameters and running statistics from `arrays`; every entry must be present with its shape.
    /// `path` names the source in errors.
    public func loadState(from arrays: [NamedArray], prefix: String = "model.", path: String) throws {
        var byName = [String: NamedArray]()
        for a in arrays { byName[a.name] = a }
        func fetch(_ name: String, _ shape: [Int]) throws -> NamedArray {
            guard let a = byName[name] else { throw NNError.mismatch(path: path, reason: "missing array '\(name)'") }
            guard a.shape == shape else {
                throw NNError.mismatch(path: path, reason: "array '\(name)' has shape \(a.shape), model expects \(shape)")
            }
            return a
        }
        for entry in namedState {
            switch entry.value {
            case .parameter(let p):
                let a = try fetch(prefix + entry.name, p.shape)
                p.assign(Tensor(shape: a.shape, data: a.values))
            case .runningStatistics(let s):
                let base = prefix + Self.statisticsBase(entry.name)
                s.runningMean = try fetch(base + "running_mean", [s.channels]).values
                s.runningVar = try fetch(base + "running_var", [s.channels]).values
            }
        }
    }

    /// `bn1.running` → `bn1.`; `running` → ``.
    static func statisticsBase(_ name: String) -> String {
        name == "running" ? "" : String(name.dropLast("running".count))
    }
}

extension SGD {
    /// Momentum buffers as named arrays (`optim.momentum.<parameter name>`), only those that exist.
    public func stateArrays(names: [String]) -> [NamedArray] {
        var out = [NamedArray]()
        for (i, buffer) in momentumBuffers.enumerated() {
            if let buffer, i < names.count {
                out.append(NamedArray(name: "optim.momentum." + names[i], shape: parameters[i].shape, values: buffer))
            }
        }
        return out
    }

    /// Restores momentum buffers saved by `stateArrays(names:)`.
    public mutating func loadState(from arrays: [NamedArray], names: [String], path: String) throws {
        var byName = [String: NamedArray]()
        for a in arrays { byName[a.name] = a }
        for i in 0..<parameters.count {
            guard i < names.count, let a = byName["optim.momentum." + names[i]] else { momentumBuffers[i] = nil; continue }
            guard a.shape == parameters[i].shape else {
                throw NNError.mismatch(path: path, reason: "momentum '\(names[i])' has shape \(a.shape), expected \(parameters[i].shape)")
            }
            momentumBuffers[i] = a.values
        }
    }
}
