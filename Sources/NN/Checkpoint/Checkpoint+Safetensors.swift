import Foundation

/// Import from and export to PyTorch state dicts stored as safetensors.
extension Checkpoint {
    /// A bare checkpoint (no training state) of `model` holding the weights of `file`, a PyTorch
    /// state dict (`model.state_dict()` names). Throws `NNError.stateMismatch` when names or shapes
    /// do not fit the model. `normalization` is the input normalisation the weights expect.
    public init(model spec: ModelSpec, stateDict file: Safetensors, path: String,
                normalization: CheckpointHeader.Normalization? = nil) throws {
        let model = try Model(spec)
        try model.loadStateDict(file.entries, path: path)
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

extension CheckpointHeader {
    /// Per-channel input normalisation `(x − mean) / std` the weights expect.
    public struct Normalization: Codable, Sendable, Equatable {
        public var mean: [Float]
        public var std: [Float]
        public init(mean: [Float], std: [Float]) { self.mean = mean; self.std = std }

        /// Checks one finite mean and one positive finite std per input channel of `model` (any count
        /// for a network without a fixed channel count, such as an MLP).
        public func validate(for model: ModelSpec) throws {
            guard !mean.isEmpty, mean.count == std.count else {
                throw NNError.invalidArgument("normalisation needs as many means as stds, got \(mean.count) and \(std.count)")
            }
            guard mean.allSatisfy(\.isFinite), std.allSatisfy({ $0.isFinite && $0 > 0 }) else {
                throw NNError.invalidArgument("normalisation needs finite means and positive finite stds, got mean \(mean), std \(std)")
            }
            if let channels = model.inputChannels, channels != mean.count {
                throw NNError.invalidArgument("the model takes \(channels) input channels but the normalisation has \(mean.count) values")
            }
        }
    }

    /// The input normalisation of the run (training options) or, for a bare checkpoint, the stored one.
    public var inputNormalization: Normalization? {
        if let t = training, !t.normalizationMean.isEmpty { return Normalization(mean: t.normalizationMean, std: t.normalizationStd) }
        return normalization
    }
}

extension ModelSpec {
    /// The channels of the input image, when the first layer fixes them (nil for an MLP).
    public var inputChannels: Int? {
        switch self {
        case .resnet(let c): c.inputChannels
        case .conv2d(let i, _, _, _, _, _): i
        case .batchNorm2d(let c): c
        case .sequential(let layers):
            // The first layer that is not channel-preserving decides.
            layers.first { ![.relu, .globalAvgPool].contains($0) && !$0.isPool }?.inputChannels
        case .residual(let body, _): body.inputChannels
        case .linear, .flatten: nil
        case .relu, .maxPool2d, .avgPool2d, .globalAvgPool: nil
        }
    }

    private var isPool: Bool {
        switch self {
        case .maxPool2d, .avgPool2d: true
        default: false
        }
    }
}
