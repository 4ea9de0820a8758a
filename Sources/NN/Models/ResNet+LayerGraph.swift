import Tensor

// A ResNet written as a plain layer graph (`sequential` with `residual` nodes), so that passes that
// walk a network layer by layer — batch-norm folding, bipolar-morphological conversion, operation
// counts, lowering — need not know the ResNet's block structure.

extension ResNetConfig {
    /// The ResNet as a layer graph: the same layers in forward order, each block a `residual` node
    /// followed by a top-level `relu`.
    ///
    ///     [conv1, bn1, relu, (maxpool 3/2/1: ImageNet stem),
    ///      residual(body: [conv1, bn1, relu, conv2, bn2(, relu, conv3, bn3)],
    ///               shortcut: [conv 1×1/s, bn] or identity), relu,   ← one pair per block
    ///      …, globalavgpool, linear]
    ///
    /// A block computes `relu(body(x) + shortcut(x))`, which is exactly `residual` then `relu`.
    /// Stages are not grouped: the blocks follow each other at the top level.
    public var layerGraph: ModelSpec {
        var layers = [ModelSpec]()
        let w = width
        switch stem {
        case .imagenet: layers.append(.conv2d(in: inputChannels, out: w, kernel: 7, stride: 2, padding: 3, bias: false))
        case .small: layers.append(.conv2d(in: inputChannels, out: w, kernel: 3, stride: 1, padding: 1, bias: false))
        }
        layers += [.batchNorm2d(channels: w), .relu]
        if stem == .imagenet { layers.append(.maxPool2d(kernel: 3, stride: 2, padding: 1)) }
        let expansion = usesBottleneck ? Bottleneck.expansion : BasicBlock.expansion
        var inChannels = w
        for (i, n) in (Self.stageRepeats[depth] ?? []).enumerated() {
            let planes = w << i
            for b in 0..<n {
                let stride = (i > 0 && b == 0) ? 2 : 1
                let out = planes * expansion
                let body: [ModelSpec]
                if usesBottleneck {
                    body = [.conv2d(in: inChannels, out: planes, kernel: 1, stride: 1, padding: 0, bias: false),
                            .batchNorm2d(channels: planes), .relu,
                            .conv2d(in: planes, out: planes, kernel: 3, stride: stride, padding: 1, bias: false),
                            .batchNorm2d(channels: planes), .relu,
                            .conv2d(in: planes, out: out, kernel: 1, stride: 1, padding: 0, bias: false),
                            .batchNorm2d(channels: out)]
                } else {
                    body = [.conv2d(in: inChannels, out: planes, kernel: 3, stride: stride, padding: 1, bias: false),
                            .batchNorm2d(channels: planes), .relu,
                            .conv2d(in: planes, out: planes, kernel: 3, stride: 1, padding: 1, bias: false),
                            .batchNorm2d(channels: planes)]
                }
                let shortcut: ModelSpec? = (stride != 1 || inChannels != out)
                    ? .sequential([.conv2d(in: inChannels, out: out, kernel: 1, stride: stride, padding: 0, bias: false),
                                   .batchNorm2d(channels: out)])
                    : nil
                layers += [.residual(body: .sequential(body), shortcut: shortcut), .relu]
                inChannels = out
            }
        }
        layers += [.globalAvgPool, .linear(in: inChannels, out: classes, bias: true)]
        return .sequential(layers)
    }
}

extension Model {
    /// This model as a layer graph: a `resnet` model becomes `ResNetConfig.layerGraph` whose layers
    /// hold this ResNet's parameters and batch-norm statistics (shared, not copied: training one
    /// trains the other; the parameters are relabelled with their graph state names, `4.body.0.weight`).
    /// It computes the same function in both modes. Any other model is returned as it is.
    ///
    /// State names change with the form (`layer1.0.conv1.weight` becomes `4.body.0.weight`), so a
    /// checkpoint of the graph loads into the graph spec, not into the `resnet` spec.
    public func asLayerGraph() throws -> Model {
        guard case .resnet(let config) = spec else { return self }
        guard let resnet = network as? ResNet else {
            throw NNError.invalidArgument("a resnet spec whose network is \(type(of: network)), not ResNet")
        }
        var layers: [any Layer] = [resnet.conv1, resnet.bn1, ReLU()]
        if config.stem == .imagenet { layers.append(MaxPool2d(kernelSize: 3, stride: 2, padding: 1)) }
        for stage in resnet.layers {
            for block in stage.layers {
                let body: [any Layer], shortcut: Sequential?
                switch block {
                case let b as BasicBlock:
                    body = [b.conv1, b.bn1, ReLU(), b.conv2, b.bn2]
                    shortcut = b.downsample
                case let b as Bottleneck:
                    body = [b.conv1, b.bn1, ReLU(), b.conv2, b.bn2, ReLU(), b.conv3, b.bn3]
                    shortcut = b.downsample
                default:
                    throw NNError.invalidArgument("unexpected ResNet block \(type(of: block))")
                }
                layers += [Residual(Sequential(body), shortcut: shortcut), ReLU()]
            }
        }
        layers += [GlobalAvgPool(), resnet.fc]
        return Model(spec: config.layerGraph, network: Sequential(layers))
    }
}
