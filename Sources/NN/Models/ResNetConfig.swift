/// The architecture of a ResNet, enough to rebuild it (stored in checkpoints).
public struct ResNetConfig: Codable, Sendable, Equatable {
    /// The stem: ImageNet (7×7/2 conv + 3×3/2 max-pool) or small images (3×3/1 conv, no pool).
    public enum Stem: String, Codable, Sendable, CaseIterable { case imagenet, small }

    /// 18, 34, 50, 101 or 152.
    public var depth: Int
    public var inputChannels: Int
    public var classes: Int
    /// Channels of the first stage (64 in torchvision).
    public var width: Int
    public var stem: Stem

    public init(depth: Int = 18, inputChannels: Int = 3, classes: Int = 1000, width: Int = 64, stem: Stem = .imagenet) {
        self.depth = depth; self.inputChannels = inputChannels; self.classes = classes
        self.width = width; self.stem = stem
    }

    /// Blocks per stage for each supported depth.
    public static let stageRepeats: [Int: [Int]] = [
        18: [2, 2, 2, 2], 34: [3, 4, 6, 3], 50: [3, 4, 6, 3], 101: [3, 4, 23, 3], 152: [3, 8, 36, 3],
    ]

    /// Whether the network uses bottleneck blocks (depth ≥ 50).
    public var usesBottleneck: Bool { depth >= 50 }

    /// Checks the configuration, throwing a readable error.
    public func validate() throws {
        guard Self.stageRepeats[depth] != nil else {
            throw NNError.invalidArgument("unsupported ResNet depth \(depth) (use 18, 34, 50, 101 or 152)")
        }
        guard inputChannels > 0, classes > 0, width > 0 else {
            throw NNError.invalidArgument("ResNet needs positive input channels, classes and width")
        }
    }
}

/// Hyper-parameters of SGD with momentum (PyTorch semantics).
public struct SGDConfig: Codable, Sendable, Equatable {
    public var learningRate: Double
    public var momentum: Double
    public var weightDecay: Double
    public var nesterov: Bool
    public var dampening: Double

    public init(learningRate: Double = 0.1, momentum: Double = 0, weightDecay: Double = 0, nesterov: Bool = false, dampening: Double = 0) {
        self.learningRate = learningRate; self.momentum = momentum; self.weightDecay = weightDecay
        self.nesterov = nesterov; self.dampening = dampening
    }
}
