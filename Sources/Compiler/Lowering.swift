import NN

/// Lowers a `ModelSpec` to `LoweredLayer`s (no weights needed: this is what the resource report
/// counts and what `Compiler.compile` fills with numbers).
public enum Lowering {
    /// The stages of `spec` for one input of shape `input` (`[C, H, W]` or `[features]`).
    public static func lower(_ spec: ModelSpec, input: [Int]) throws -> [LoweredLayer] {
        var out = [LoweredLayer]()
        switch spec {
        case .resnet(let config):
            _ = try lower(Self.expanded(config), input: input, prefix: "", inverted: false, into: &out, topLevel: false)
            for k in out.indices {
                out[k].stateName = torchvisionName(out[k].index, config)
                out[k].batchNorm = out[k].batchNorm.map { torchvisionName($0, config) }
            }
        case .sequential:
            _ = try lower(spec, input: input, prefix: "", inverted: false, into: &out, topLevel: true)
        default:
            _ = try lower(.sequential([spec]), input: input, prefix: "", inverted: false, into: &out, topLevel: true)
        }
        return out
    }

    /// Lowers `spec` (a sequential, or one layer) appending to `out`; returns (output shape,
    /// output inverted).
    private static func lower(_ spec: ModelSpec, input: [Int], prefix: String, inverted: Bool, into out: inout [LoweredLayer],
                              topLevel: Bool, finalPositive: Bool = false) throws -> ([Int], Bool) {
        guard case .sequential(let layers) = spec else {
            return try lower(.sequential([spec]), input: input, prefix: prefix, inverted: inverted, into: &out, topLevel: false,
                             finalPositive: finalPositive)
        }
        var shape = input, inv = inverted
        var i = 0
        func name(_ j: Int) -> String { prefix.isEmpty ? "\(j)" : "\(prefix).\(j)" }
        func shapeAfter(_ s: ModelSpec, _ x: [Int], _ j: Int) throws -> [Int] {
            do { return try s.outputShape(for: x) } catch {
                throw CompilerError.unsupportedLayer(index: name(j), type: s.typeName, reason: "\(error)")
            }
        }
        while i < layers.count {
            let layer = layers[i]
            let start = i
            switch layer {
            case .conv2d, .linear:
                var geometry = WeightedGeometry(isLinear: true, inChannels: 0, outChannels: 0, kernel: 1, stride: 1, padding: 0, hasBias: false)
                var outShape = try shapeAfter(layer, shape, i)
                if case .linear(let a, let b, let hasBias) = layer {
                    geometry = WeightedGeometry(isLinear: true, inChannels: a, outChannels: b, kernel: 1, stride: 1, padding: 0, hasBias: hasBias)
                } else if case .conv2d(let cin, let cout, let k, let s, let p, let bias) = layer {
                    geometry = WeightedGeometry(isLinear: false, inChannels: cin, outChannels: cout, kernel: k, stride: s, padding: p, hasBias: bias)
                }
                var bn: String? = nil
                if i + 1 < layers.count, case .batchNorm2d = layers[i + 1], !geometry.isLinear {
                    outShape = try shapeAfter(layers[i + 1], outShape, i + 1)
                    bn = name(i + 1)
                    geometry.hasBias = true
                    i += 1
                }
                var relu = false
                if i + 1 < layers.count, case .relu = layers[i + 1] { relu = true; i += 1 }
                out.append(LoweredLayer(
                    index: name(start), stateName: name(start), kind: .weighted(geometry), batchNorm: bn, relu: relu,
                    inputInverted: inv, outputInverted: false, inputShape: shape, outputShape: outShape,
                    topLevel: topLevel ? Array(start...i) : nil))
                shape = outShape; inv = false
            case .maxPool2d(let k, let s, let p):
                guard !inv else {
                    throw CompilerError.unsupportedLayer(index: name(i), type: layer.typeName,
                        reason: "max-pooling an inverted signal (after a summer without a ReLU) would take the minimum")
                }
                let o = try shapeAfter(layer, shape, i)
                out.append(LoweredLayer(index: name(i), stateName: name(i), kind: .maxPool(kernel: k, stride: s, padding: p), batchNorm: nil,
                                        relu: false, inputInverted: false, outputInverted: false, inputShape: shape, outputShape: o,
                                        topLevel: topLevel ? [i] : nil))
                shape = o
            case .avgPool2d, .globalAvgPool:
                let o = try shapeAfter(layer, shape, i)
                var kind: LoweredLayer.Kind = .globalAvgPool
                if case .avgPool2d(let k, let s, let p) = layer { kind = .avgPool(kernel: k, stride: s, padding: p) }
                var relu = false
                if i + 1 < layers.count, case .relu = layers[i + 1], !inv { relu = true; i += 1 }
                out.append(LoweredLayer(index: name(start), stateName: name(start), kind: kind, batchNorm: nil, relu: relu,
                                        inputInverted: inv, outputInverted: !inv && !relu, inputShape: shape, outputShape: o,
                                        topLevel: topLevel ? Array(start...i) : nil))
                shape = o; inv = !inv && !relu
            case .flatten:
                let o = try shapeAfter(layer, shape, i)
                out.append(LoweredLayer(index: name(i), stateName: name(i), kind: .flatten, batchNorm: nil, relu: false,
                                        inputInverted: inv, outputInverted: inv, inputShape: shape, outputShape: o, topLevel: topLevel ? [i] : nil))
                shape = o
            case .relu:
                guard inv else {
                    throw CompilerError.unsupportedLayer(index: name(i), type: "relu",
                        reason: "a ReLU must follow a conv, linear, pooling summer or residual add (the precision rectifier needs the inverted signal those give)")
                }
                out.append(LoweredLayer(index: name(i), stateName: name(i), kind: .relu, batchNorm: nil, relu: true, inputInverted: true,
                                        outputInverted: false, inputShape: shape, outputShape: shape, topLevel: topLevel ? [i] : nil))
                inv = false
            case .residual(let body, let shortcut):
                let base = name(i)
                let (a, _) = try lower(body, input: shape, prefix: base + ".body", inverted: inv, into: &out, topLevel: false, finalPositive: true)
                if let shortcut {
                    _ = try lower(shortcut, input: shape, prefix: base + ".shortcut", inverted: inv, into: &out, topLevel: false, finalPositive: true)
                } else if inv {
                    throw CompilerError.unsupportedLayer(index: base, type: "residual", reason: "an identity shortcut of an inverted signal")
                }
                var relu = false
                if i + 1 < layers.count, case .relu = layers[i + 1] { relu = true; i += 1 }
                out.append(LoweredLayer(index: base, stateName: base, kind: .add, batchNorm: nil, relu: relu, inputInverted: false,
                                        outputInverted: !relu, inputShape: a, outputShape: a, topLevel: topLevel ? Array(start...i) : nil))
                shape = a; inv = !relu
            case .batchNorm2d:
                throw CompilerError.unsupportedLayer(index: name(i), type: layer.typeName,
                    reason: "a batch norm is folded into the conv before it; this one follows no conv")
            case .bmConv2d, .bmLinear:
                throw CompilerError.unsupportedLayer(index: name(i), type: layer.typeName,
                    reason: "bipolar-morphological layers have no circuit lowering yet (log, exp and max cells)")
            case .resnet(let config):
                (shape, inv) = try lower(Self.expanded(config), input: shape, prefix: name(i), inverted: inv, into: &out, topLevel: false)
            case .sequential:
                (shape, inv) = try lower(layer, input: shape, prefix: name(i), inverted: inv, into: &out, topLevel: false)
            }
            i += 1
        }
        _ = finalPositive
        return (shape, inv)
    }

    /// The torchvision state-name prefix of an index of `expanded(c)`: `0` → `conv1`, `1` → `bn1`,
    /// `3.2` → `layer1.1` (block 1 of stage 1: blocks alternate with their ReLUs), `3.2.body.3` →
    /// `layer1.1.conv2` (the body's convs and batch norms come in pairs separated by ReLUs),
    /// `4.0.shortcut.0` → `layer2.0.downsample.0`, the last layer → `fc`; the index itself when
    /// it has no state (a ReLU, a pooling stage).
    public static func torchvisionName(_ index: String, _ c: ResNetConfig) -> String {
        let parts = index.split(separator: ".").map(String.init)
        guard let top = parts.first.flatMap({ Int($0) }) else { return index }
        let first = c.stem == .imagenet ? 4 : 3
        let stages = ResNetConfig.stageRepeats[c.depth]?.count ?? 0
        if parts.count == 1 {
            switch top {
            case 0: return "conv1"
            case 1: return "bn1"
            case first + stages + 2: return "fc"
            default: return index
            }
        }
        guard top >= first, top < first + stages, let j = Int(parts[1]), j % 2 == 0 else { return index }
        let block = "layer\(top - first + 1).\(j / 2)"
        if parts.count == 2 { return block }
        guard parts.count == 4, let k = Int(parts[3]) else { return index }
        if parts[2] == "shortcut" { return block + ".downsample.\(k)" }
        guard parts[2] == "body", k % 3 != 2 else { return index }
        return block + (k % 3 == 0 ? ".conv" : ".bn") + "\(k / 3 + 1)"
    }

    /// torchvision's ResNet as a layer graph (stem, stages of basic or bottleneck blocks with
    /// 1×1 downsampling shortcuts, global average pool, flatten, fc).
    public static func expanded(_ c: ResNetConfig) -> ModelSpec {
        var layers: [ModelSpec] = []
        let w = c.width
        switch c.stem {
        case .imagenet:
            layers += [.conv2d(in: c.inputChannels, out: w, kernel: 7, stride: 2, padding: 3, bias: false), .batchNorm2d(channels: w), .relu,
                       .maxPool2d(kernel: 3, stride: 2, padding: 1)]
        case .small:
            layers += [.conv2d(in: c.inputChannels, out: w, kernel: 3, stride: 1, padding: 1, bias: false), .batchNorm2d(channels: w), .relu]
        }
        let expansion = c.usesBottleneck ? 4 : 1
        var inChannels = w
        for (i, n) in (ResNetConfig.stageRepeats[c.depth] ?? []).enumerated() {
            let planes = w << i
            var blocks = [ModelSpec]()
            for b in 0..<n {
                let stride = (i > 0 && b == 0) ? 2 : 1
                let out = planes * expansion
                let body: ModelSpec = c.usesBottleneck
                    ? .sequential([
                        .conv2d(in: inChannels, out: planes, kernel: 1, stride: 1, padding: 0, bias: false), .batchNorm2d(channels: planes), .relu,
                        .conv2d(in: planes, out: planes, kernel: 3, stride: stride, padding: 1, bias: false), .batchNorm2d(channels: planes), .relu,
                        .conv2d(in: planes, out: out, kernel: 1, stride: 1, padding: 0, bias: false), .batchNorm2d(channels: out),
                    ])
                    : .sequential([
                        .conv2d(in: inChannels, out: planes, kernel: 3, stride: stride, padding: 1, bias: false), .batchNorm2d(channels: planes), .relu,
                        .conv2d(in: planes, out: planes, kernel: 3, stride: 1, padding: 1, bias: false), .batchNorm2d(channels: planes),
                    ])
                let shortcut: ModelSpec? = (stride != 1 || inChannels != out)
                    ? .sequential([.conv2d(in: inChannels, out: out, kernel: 1, stride: stride, padding: 0, bias: false), .batchNorm2d(channels: out)])
                    : nil
                blocks += [.residual(body: body, shortcut: shortcut), .relu]
                inChannels = out
            }
            layers.append(.sequential(blocks))
        }
        layers += [.globalAvgPool, .flatten, .linear(in: inChannels, out: c.classes, bias: true)]
        return .sequential(layers)
    }
}
