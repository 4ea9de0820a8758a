import Foundation
import Tensor

/// The paper's layer-by-layer conversion of a trained network to bipolar-morphological layers
/// (seed 003, "Training of BM network"): fold batch norm into the preceding convolution, then
/// replace the weighted layers one at a time, fine-tuning the whole network after each.
///
/// Works on layer graphs — `sequential` specs whose entries may be `residual` nodes with
/// sequential bodies and shortcuts (the `cnn` and `mlp` catalog models, any such graph) — and on
/// ResNets, which are first written as their layer graph (`Model.asLayerGraph`).
///
/// A weighted layer is addressed by its **path**, the prefix of its state names: the indices of
/// the enclosing `sequential` entries and `body` / `shortcut` for the branches of a `residual`,
/// joined by dots (`0`, `4.body.2`, `6.shortcut.0`). `convertibleLayers` lists them in forward
/// order: a sequential's entries in turn, a residual's body before its shortcut.
public enum BMConversion {
    /// `model` with every `conv2d` that is directly followed by a `batchnorm2d` in the same
    /// sequential merged with it (evaluation-mode statistics), at every depth — residual bodies
    /// and shortcuts included: `w' = w·γ/σ`, `b' = β + (b − μ)·γ/σ`, `σ = √(var + ε)`.
    /// The result computes the same function in evaluation mode, with one fewer layer per pair.
    /// A ResNet is written as its layer graph first; the other layers' parameters are shared.
    public static func foldingBatchNorm(_ model: Model) throws -> Model {
        let graph = try model.asLayerGraph()
        guard case .sequential = graph.spec else {
            throw NNError.invalidArgument("BM conversion needs a sequential network or a ResNet, got \(graph.spec.summary)")
        }
        let (spec, network) = try folding(graph.spec, graph.network, path: "model")
        return Model(spec: spec, network: network)
    }

    private static func folding(_ spec: ModelSpec, _ layer: any Layer, path: String) throws -> (ModelSpec, any Layer) {
        switch spec {
        case .sequential(let specs):
            guard let sequential = layer as? Sequential, sequential.layers.count == specs.count else {
                throw mismatch(spec, layer, path: path)
            }
            let layers = sequential.layers
            var newSpecs = [ModelSpec](), newLayers = [any Layer]()
            var i = 0
            while i < specs.count {
                if case .conv2d(let ci, let co, let k, let s, let p, _) = specs[i], i + 1 < specs.count,
                   case .batchNorm2d = specs[i + 1], let conv = layers[i] as? Conv2d, let bn = layers[i + 1] as? BatchNorm2d {
                    newSpecs.append(.conv2d(in: ci, out: co, kernel: k, stride: s, padding: p, bias: true))
                    newLayers.append(fold(conv, bn))
                    i += 2
                } else {
                    let (s, l) = try folding(specs[i], layers[i], path: path + ".\(i)")
                    newSpecs.append(s); newLayers.append(l); i += 1
                }
            }
            return (.sequential(newSpecs), Sequential(newLayers))
        case .residual(let body, let shortcut):
            guard let residual = layer as? Residual, (shortcut == nil) == (residual.shortcut == nil) else {
                throw mismatch(spec, layer, path: path)
            }
            let (b, bodyLayer) = try folding(body, residual.body, path: path + ".body")
            var s: ModelSpec?, shortcutLayer: (any Layer)?
            if let shortcut, let layer = residual.shortcut {
                (s, shortcutLayer) = try folding(shortcut, layer, path: path + ".shortcut")
            }
            return (.residual(body: b, shortcut: s), Residual(bodyLayer, shortcut: shortcutLayer))
        case .resnet:
            throw NNError.invalidArgument("\(path): a resnet nested in a layer graph; write it as its layer graph first")
        default:
            return (spec, layer)
        }
    }

    /// The convolution that computes `bn(conv(x))` with evaluation-mode statistics.
    private static func fold(_ conv: Conv2d, _ bn: BatchNorm2d) -> Conv2d {
        let co = conv.outChannels
        let gamma = bn.weight.value.scalars, beta = bn.bias.value.scalars
        let mean = bn.statistics.runningMean, variance = bn.statistics.runningVar
        let scale = (0..<co).map { gamma[$0] / (variance[$0] + bn.eps).squareRoot() }
        let w = conv.weight.value.scalars, perFilter = w.count / co
        let folded = w.enumerated().map { $0.element * scale[$0.offset / perFilter] }
        let oldBias = conv.bias?.value.scalars ?? [Float](repeating: 0, count: co)
        let bias = (0..<co).map { beta[$0] + (oldBias[$0] - mean[$0]) * scale[$0] }
        return Conv2d(weight: Parameter(Tensor(shape: conv.weight.shape, data: folded)),
                      bias: Parameter(Tensor(shape: [co], data: bias)), stride: conv.stride, padding: conv.padding)
    }

    /// The paths of the layers a conversion replaces (conv2d and linear), in forward order. A
    /// `resnet` spec is listed as its layer graph; pass the folded model's spec to get the paths
    /// `converting` takes after folding.
    public static func convertibleLayers(_ spec: ModelSpec) -> [String] {
        if case .resnet(let config) = spec { return convertibleLayers(config.layerGraph) }
        guard case .sequential = spec else { return [] }
        return paths(spec, prefix: nil)
    }

    private static func paths(_ spec: ModelSpec, prefix: String?) -> [String] {
        func join(_ step: String) -> String { prefix.map { "\($0).\(step)" } ?? step }
        switch spec {
        case .sequential(let specs): return specs.indices.flatMap { paths(specs[$0], prefix: join("\($0)")) }
        case .residual(let body, let shortcut):
            return paths(body, prefix: join("body")) + (shortcut.map { paths($0, prefix: join("shortcut")) } ?? [])
        case .conv2d, .linear: return prefix.map { [$0] } ?? []
        default: return []
        }
    }

    /// `model` with its layer at `path` (a conv2d or linear, see `convertibleLayers`) replaced by
    /// its BM form; the other layers keep their parameters (shared, not copied).
    public static func converting(_ model: Model, layer path: String) throws -> Model {
        let graph = try model.asLayerGraph()
        let steps = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        let (spec, network) = try replacing(graph.spec, graph.network, steps: steps[...], path: path)
        return Model(spec: spec, network: network)
    }

    private static func replacing(_ spec: ModelSpec, _ layer: any Layer, steps: ArraySlice<String>,
                                  path: String) throws -> (ModelSpec, any Layer) {
        guard let step = steps.first else {
            switch (spec, layer) {
            case (.conv2d(let i, let o, let k, let s, let p, _), let conv as Conv2d):
                return (.bmConv2d(in: i, out: o, kernel: k, stride: s, padding: p), BMConv2d(converting: conv))
            case (.linear(let i, let o, _), let linear as Linear):
                return (.bmLinear(in: i, out: o), BMLinear(converting: linear))
            default:
                throw NNError.invalidArgument("layer \(path) is \(spec.typeName), not conv2d or linear")
            }
        }
        switch spec {
        case .sequential(var specs):
            guard let index = Int(step), specs.indices.contains(index), let sequential = layer as? Sequential,
                  sequential.layers.count == specs.count else {
                throw NNError.invalidArgument("layer \(path) does not exist ('\(step)' in a sequential of \(specs.count) layers)")
            }
            var layers = sequential.layers
            (specs[index], layers[index]) = try replacing(specs[index], layers[index], steps: steps.dropFirst(), path: path)
            return (.sequential(specs), Sequential(layers))
        case .residual(let body, let shortcut):
            guard let residual = layer as? Residual else { throw mismatch(spec, layer, path: path) }
            switch step {
            case "body":
                let (b, l) = try replacing(body, residual.body, steps: steps.dropFirst(), path: path)
                return (.residual(body: b, shortcut: shortcut), Residual(l, shortcut: residual.shortcut))
            case "shortcut":
                guard let shortcut, let shortcutLayer = residual.shortcut else {
                    throw NNError.invalidArgument("layer \(path) does not exist (the residual's shortcut is the identity)")
                }
                let (s, l) = try replacing(shortcut, shortcutLayer, steps: steps.dropFirst(), path: path)
                return (.residual(body: body, shortcut: s), Residual(residual.body, shortcut: l))
            default:
                throw NNError.invalidArgument("layer \(path) does not exist (a residual has 'body' and 'shortcut', got '\(step)')")
            }
        default:
            throw NNError.invalidArgument("layer \(path) does not exist (\(spec.typeName) has no inner layers)")
        }
    }

    private static func mismatch(_ spec: ModelSpec, _ layer: any Layer, path: String) -> NNError {
        .invalidArgument("\(path): the network (\(type(of: layer))) does not match its spec (\(spec.typeName))")
    }

    /// An independent copy of `model` (fresh parameters with the same values and running statistics).
    public static func copy(_ model: Model) throws -> Model {
        let fresh = try Model(model.spec)
        try fresh.loadState(from: model.stateArrays(), path: "(copy)")
        return fresh
    }

    /// Trains `model` for `steps` SGD steps on `train` (mini-batches of `batchSize`, shuffled from
    /// `seed`, constant learning rate, momentum, no weight decay: decay would pull the BM
    /// log-weights towards ln 1). Returns the mean loss of the steps.
    @discardableResult
    public static func fineTune(_ model: Model, on train: ImageDataset, steps: Int, batchSize: Int, learningRate: Double,
                                momentum: Double = 0.9, seed: UInt64) throws -> Double {
        guard steps > 0 else { return .nan }
        let loader = try DataLoader(dataset: train, batchSize: batchSize, shuffle: true, seed: seed, dropLast: true)
        var optimizer = SGD(parameters: model.parameters,
                            config: SGDConfig(learningRate: learningRate, momentum: momentum, weightDecay: 0))
        var done = 0, lossSum = 0.0, epoch = 0
        while done < steps {
            let stream = loader.batches(epoch: epoch)
            for batch in stream {
                if done >= steps { stream.cancel(); break }
                let x = Tensor(shape: [batch.count, train.channels, train.height, train.width], data: batch.images)
                let logits = model(x, context: ForwardContext(training: true))
                let loss = softmaxCrossEntropy(logits, labels: batch.labels.map(Int.init))
                guard loss.scalar.isFinite else { throw NNError.nonFiniteLoss(step: done + 1, value: loss.scalar) }
                lossSum += Double(loss.scalar)
                optimizer.zeroGrad()
                loss.backward()
                optimizer.step()
                done += 1
            }
            epoch += 1
        }
        return lossSum / Double(steps)
    }
}

extension Model {
    /// A model from a network built elsewhere in this module that matches `spec`; labels its parameters.
    init(spec: ModelSpec, network: any Layer) {
        self.spec = spec
        self.network = network
        for (name, p) in network.namedParameters { p.label = name }
    }
}

extension ModelSpec {
    /// The layer at `path` (`4.body.2`, as `BMConversion.convertibleLayers` lists), or nil.
    public func layer(at path: String) -> ModelSpec? {
        var spec = self
        for step in path.split(separator: ".", omittingEmptySubsequences: false) {
            switch spec {
            case .sequential(let specs):
                guard let i = Int(step), specs.indices.contains(i) else { return nil }
                spec = specs[i]
            case .residual(let body, let shortcut):
                if step == "body" { spec = body } else if step == "shortcut", let shortcut { spec = shortcut } else { return nil }
            default: return nil
            }
        }
        return spec
    }
}

extension Conv2d {
    /// A convolution with the given parameters (batch-norm folding).
    init(weight: Parameter, bias: Parameter?, stride: Int, padding: Int) {
        self.weight = weight; self.bias = bias; self.stride = stride; self.padding = padding
    }
}
