import Foundation

/// Import from and export to PyTorch state dicts stored as safetensors.
extension Checkpoint {
    /// A bare checkpoint (no training state) of `model` holding the weights of `file`, a PyTorch
    /// state dict (`model.state_dict()` names). Throws `NNError.stateMismatch` when names or shapes
    /// do not fit the model. `normalization` is the input normalisation the weights expect; when nil,
    /// the one a Kelvin export recorded in the metadata (`kelvin.normalization`) is kept.
    public init(model spec: ModelSpec, stateDict file: Safetensors, path: String,
                normalization: CheckpointHeader.Normalization? = nil) throws {
        let model = try Model(spec)
        try model.loadStateDict(file.entries, path: path)
        let normalization = try normalization ?? file.exportedNormalization(path: path)
        if let normalization { try normalization.validate(for: spec) }
        var header = CheckpointHeader(model: spec)
        header.normalization = normalization
        header.metadata["importedFrom"] = URL(fileURLWithPath: path).lastPathComponent
        self.init(header: header, arrays: model.stateArrays())
    }

    /// The model's state as a PyTorch state dict (parameters and running statistics as F32,
    /// `num_batches_tracked` = the checkpoint's step as I64), with metadata `format: pt`, the
    /// model spec (`kelvin.model`, JSON) and the input normalisation when known. `path` names the
    /// checkpoint in errors.
    public func stateDict(path: String) throws -> Safetensors {
        let model = try Model(header.model)
        try model.loadState(from: arrays, path: path)
        var metadata = ["format": "pt"]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        metadata["kelvin.model"] = String(decoding: try encoder.encode(header.model), as: UTF8.self)
        if let n = header.inputNormalization {
            metadata["kelvin.normalization"] = String(decoding: try encoder.encode(n), as: UTF8.self)
        }
        return Safetensors(entries: model.stateDict(batchesTracked: Int64(header.step)), metadata: metadata)
    }
}

extension Safetensors {
    /// The input normalisation a Kelvin export recorded (`kelvin.normalization`), nil when absent.
    public func exportedNormalization(path: String) throws -> CheckpointHeader.Normalization? {
        guard let text = metadata["kelvin.normalization"] else { return nil }
        do { return try JSONDecoder().decode(CheckpointHeader.Normalization.self, from: Data(text.utf8)) } catch {
            throw NNError.corruptFile(path: path, reason: "metadata kelvin.normalization is not {\"mean\": [...], \"std\": [...]}")
        }
    }
}
