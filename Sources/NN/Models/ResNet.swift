import Tensor

/// The ResNet basic block (two 3×3 convolutions), expansion 1, with an optional 1×1 downsample.
public struct BasicBlock: Layer {
    public static let expansion = 1
    public var conv1: Conv2d, bn1: BatchNorm2d, conv2: Conv2d, bn2: BatchNorm2d
    /// 1×1 convolution + batch-norm on the shortcut when the shape changes.
    public var downsample: Sequential?

    public init(inChannels: Int, planes: Int, stride: Int = 1, rng: inout RandomSource) {
        conv1 = Conv2d(inChannels, planes, kernelSize: 3, stride: stride, padding: 1, rng: &rng)
        bn1 = BatchNorm2d(planes)
        conv2 = Conv2d(planes, planes, kernelSize: 3, padding: 1, rng: &rng)
        bn2 = BatchNorm2d(planes)
        downsample = (stride != 1 || inChannels != planes)
            ? Sequential(Conv2d(inChannels, planes, kernelSize: 1, stride: stride, rng: &rng), BatchNorm2d(planes)) : nil
    }

    public func callAsFunction(_ x: Tensor, context c: ForwardContext) -> Tensor {
        var out = c(.relu, bn1(conv1(x, context: c), context: c))
        out = bn2(conv2(out, context: c), context: c)
        let identity = downsample.map { $0(x, context: c) } ?? x
        return c(.relu, c(.add, out, identity))
    }

    public var namedState: [NamedState] {
        conv1.namedState.map { $0.prefixed("conv1") } + bn1.namedState.map { $0.prefixed("bn1") }
            + conv2.namedState.map { $0.prefixed("conv2") } + bn2.namedState.map { $0.prefixed("bn2") }
            + (downsample?.namedState.map { $0.prefixed("downsample") } ?? [])
    }
}

/// The ResNet bottleneck block (1×1, 3×3 with the stride, 1×1), expansion 4, as torchvision (v1.5).
public struct Bottleneck: Layer {
    public static let expansion = 4
    public var conv1: Conv2d, bn1: BatchNorm2d, conv2: Conv2d, bn2: BatchNorm2d, conv3: Conv2d, bn3: BatchNorm2d
    public var downsample: Sequential?

    public init(inChannels: Int, planes: Int, stride: Int = 1, rng: inout RandomSource) {
        let out = planes * Self.expansion
        conv1 = Conv2d(inChannels, planes, kernelSize: 1, rng: &rng)
        bn1 = BatchNorm2d(planes)
        conv2 = Conv2d(planes, planes, kernelSize: 3, stride: stride, padding: 1, rng: &rng)
        bn2 = BatchNorm2d(planes)
        conv3 = Conv2d(planes, out, kernelSize: 1, rng: &rng)
        bn3 = BatchNorm2d(out)
        downsample = (stride != 1 || inChannels != out)
            ? Sequential(Conv2d(inChannels, out, kernelSize: 1, stride: stride, rng: &rng), BatchNorm2d(out)) : nil
    }

    public func callAsFunction(_ x: Tensor, context c: ForwardContext) -> Tensor {
        var out = c(.relu, bn1(conv1(x, context: c), context: c))
        out = c(.relu, bn2(conv2(out, context: c), context: c))
        out = bn3(conv3(out, context: c), context: c)
        let identity = downsample.map { $0(x, context: c) } ?? x
        return c(.relu, c(.add, out, identity))
    }

    public var namedState: [NamedState] {
        conv1.namedState.map { $0.prefixed("conv1") } + bn1.namedState.map { $0.prefixed("bn1") }
            + conv2.namedState.map { $0.prefixed("conv2") } + bn2.namedState.map { $0.prefixed("bn2") }
            + conv3.namedState.map { $0.prefixed("conv3") } + bn3.namedState.map { $0.prefixed("bn3") }
            + (downsample?.namedState.map { $0.prefixed("downsample") } ?? [])
    }
}

/// ResNet-18/34/50/101/152 (torchvision layout and state names: `conv1`, `bn1`, `layer1.0.conv1`, …, `fc`).
public struct ResNet: Layer {
    public let config: ResNetConfig
    public var conv1: Conv2d, bn1: BatchNorm2d
    public var layers: [Sequential]
    public var fc: Linear

    /// Builds the network with weights drawn from `seed` (Kaiming normal, fan-out; BN γ = 1, β = 0).
    public init(_ config: ResNetConfig, seed: UInt64 = 0) throws {
        try config.validate()
        self.config = config
        var rng = RandomSource(seed: seed)
        let w = config.width
        switch config.stem {
        case .imagenet: conv1 = Conv2d(config.inputChannels, w, kernelSize: 7, stride: 2, padding: 3, rng: &rng)
        case .small: conv1 = Conv2d(config.inputChannels, w, kernelSize: 3, stride: 1, padding: 1, rng: &rng)
        }
        bn1 = BatchNorm2d(w)
        let repeats = ResNetConfig.stageRepeats[config.depth] ?? []
        let expansion = config.usesBottleneck ? Bottleneck.expansion : BasicBlock.expansion
        var inChannels = w
        var stages = [Sequential]()
        for (i, n) in repeats.enumerated() {
            let planes = w << i
            var blocks = [any Layer]()
            for b in 0..<n {
                let stride = (i > 0 && b == 0) ? 2 : 1
                if config.usesBottleneck {
                    blocks.append(Bottleneck(inChannels: inChannels, planes: planes, stride: stride, rng: &rng))
                } else {
                    blocks.append(BasicBlock(inChannels: inChannels, planes: planes, stride: stride, rng: &rng))
                }
                inChannels = planes * expansion
            }
            stages.append(Sequential(blocks))
        }
        layers = stages
        fc = Linear(inChannels, config.classes, rng: &rng)
    }

    public func callAsFunction(_ x: Tensor, context c: ForwardContext) -> Tensor {
        var h = c(.relu, bn1(conv1(x, context: c), context: c))
        if config.stem == .imagenet { h = c(.maxPool2d(MaxPool2d(kernelSize: 3, stride: 2, padding: 1)), h) }
        for stage in layers { h = stage(h, context: c) }
        return fc(c(.globalAvgPool, h), context: c)
    }

    public var namedState: [NamedState] {
        var s = conv1.namedState.map { $0.prefixed("conv1") } + bn1.namedState.map { $0.prefixed("bn1") }
        for (i, stage) in layers.enumerated() { s += stage.namedState.map { $0.prefixed("layer\(i + 1)") } }
        return s + fc.namedState.map { $0.prefixed("fc") }
    }
}
