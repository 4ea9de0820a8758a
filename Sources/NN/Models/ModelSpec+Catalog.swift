/// The architectures the command line names (`kelvin train --model`, `kelvin import --model`).
extension ModelSpec {
    /// The names `named` accepts.
    public static let catalogNames = ["resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "cnn", "mlp"]

    /// The architecture called `name` for `inputChannels × height × imageWidth` images and `classes` classes.
    ///
    /// `resnetN` is torchvision's ResNet-N with `stem` (`small`: 3×3/1 conv, no max-pool, the default;
    /// `imagenet`: 7×7/2 conv + max-pool) and `width` channels in its first stage; `cnn` is `ModelSpec.cnn`
    /// with `width` channels (sides divisible by 4); `mlp` is `ModelSpec.mlp` with one hidden layer of
    /// `width` units. `stem` is refused for networks other than ResNets.
    public static func named(
        _ name: String, stem: String? = nil, width: Int, inputChannels: Int, height: Int, imageWidth: Int, classes: Int
    ) throws -> ModelSpec {
        if stem != nil, !name.hasPrefix("resnet") { throw NNError.invalidArgument("--stem applies to ResNets, not '\(name)'") }
        guard width > 0, inputChannels > 0, height > 0, imageWidth > 0, classes > 0 else {
            throw NNError.invalidArgument("\(name) needs positive sizes, got width \(width), \(inputChannels)×\(height)×\(imageWidth) "
                + "images, \(classes) classes")
        }
        switch name {
        case "cnn":
            guard height % 4 == 0, imageWidth % 4 == 0 else {
                throw NNError.invalidArgument("cnn needs image sides divisible by 4, got \(height)×\(imageWidth)")
            }
            return .cnn(inputChannels: inputChannels, height: height, width: imageWidth, classes: classes, channels: width)
        case "mlp": return .mlp(inputs: inputChannels * height * imageWidth, hidden: [width], classes: classes)
        default:
            guard name.hasPrefix("resnet"), let depth = Int(name.dropFirst(6)), ResNetConfig.stageRepeats[depth] != nil else {
                throw NNError.invalidArgument("unknown model '\(name)' (use \(catalogNames.joined(separator: ", ")))")
            }
            guard let stemKind = ResNetConfig.Stem(rawValue: stem ?? "small") else {
                throw NNError.invalidArgument("unknown stem '\(stem ?? "")' (use small or imagenet)")
            }
            return .resnet(ResNetConfig(depth: depth, inputChannels: inputChannels, classes: classes, width: width, stem: stemKind))
        }
    }
}

extension ModelSpec {
    /// The channels of the input image, when the first layer fixes them (nil for an MLP).
    public var inputChannels: Int? {
        switch self {
        case .resnet(let c): c.inputChannels
        case .conv2d(let i, _, _, _, _, _), .bmConv2d(let i, _, _, _, _): i
        case .batchNorm2d(let c): c
        case .sequential(let layers):
            // The first layer that is not channel-preserving decides.
            layers.first { ![.relu, .globalAvgPool].contains($0) && !$0.isPool }?.inputChannels
        case .residual(let body, _): body.inputChannels
        case .linear, .bmLinear, .flatten: nil
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
