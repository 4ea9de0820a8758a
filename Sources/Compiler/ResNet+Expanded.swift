import NN

extension ResNet {
    /// The same network as a `Sequential` laid out exactly as `Lowering.expanded(config)`: stem
    /// (conv, batch norm, ReLU, ImageNet max-pool), one `Sequential` per stage holding
    /// `[Residual(body, shortcut: downsample), ReLU, …]`, global average pool, flatten, fc.
    ///
    /// The layers share this network's parameters and running statistics (layers are values whose
    /// tensors are references), so the parameters keep their torchvision labels
    /// (`layer1.0.conv1.weight`) and the forward pass is the same: `BasicBlock` computes
    /// `relu(bn2(conv2(relu(bn1(conv1(x))))) + downsample(x))`, which is `ReLU ∘ Residual`.
    var expandedSequential: Sequential {
        var layers: [any Layer] = [conv1, bn1, ReLU()]
        if config.stem == .imagenet { layers.append(MaxPool2d(kernelSize: 3, stride: 2, padding: 1)) }
        for stage in self.layers {
            var blocks = [any Layer]()
            for block in stage.layers {
                if let b = block as? BasicBlock {
                    blocks.append(Residual(Sequential(b.conv1, b.bn1, ReLU(), b.conv2, b.bn2), shortcut: b.downsample))
                } else if let b = block as? Bottleneck {
                    blocks.append(Residual(Sequential(b.conv1, b.bn1, ReLU(), b.conv2, b.bn2, ReLU(), b.conv3, b.bn3), shortcut: b.downsample))
                } else {
                    blocks.append(block)  // not a ResNet block: the lowering names it when it meets it
                }
                blocks.append(ReLU())
            }
            layers.append(Sequential(blocks))
        }
        layers += [GlobalAvgPool(), Flatten(), fc]
        return Sequential(layers)
    }
}
