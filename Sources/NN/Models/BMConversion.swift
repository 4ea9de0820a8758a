import Foundation
import Tensor

/// The paper's layer-by-layer conversion of a trained network to bipolar-morphological layers
/// (seed 003, "Training of BM network"): fold batch norm into the preceding convolution, then
/// replace the weighted layers one at a time, fine-tuning the whole network after each.
///
/// Works on networks whose top level is a `sequential` spec (the `cnn` and `mlp` catalog models,
/// or any sequential layer graph); the weighted layers counted are its top-level conv2d and
/// linear entries, in order.
public enum BMConversion {
    /// `model` with every top-level `conv2d` that is directly followed by `batchnorm2d` merged with
    /// it (evaluation-mode statistics): `w' = w·γ/σ`, `b' = β + (b − μ)·γ/σ`, `σ = √(var + ε)`.
    /// The result computes the same function in evaluation mode, with one fewer layer per pair.
    public static func foldingBatchNorm(_ model: Model) throws -> Model {
        let (specs, layers) = try parts(model)
        var newSpecs = [ModelSpec](), newLayers = [any Layer]()
        var i = 0
        while i < specs.count {
            if case .conv2d(let ci, let co, let k, let s, let p, _) = specs[i], i + 1 < specs.count,
               case .batchNorm2d = specs[i + 1], let conv = layers[i] as? Conv2d, let bn = layers[i + 1] as? BatchNorm2d {
                let gamma = bn.weight.value.scalars, beta = bn.bias.value.scalars
                let mean = bn.statistics.runningMean, variance = bn.statistics.runningVar
                let scale = (0..<co).map { gamma[$0] / (variance[$0] + bn.eps).squareRoot() }
                let w = conv.weight.value.scalars, perFilter = w.count / co
                let folded = w.enumerated().map { $0.element * scale[$0.offset / perFilter] }
                let oldBias = conv.bias?.value.scalars ?? [Float](repeating: 0, count: co)
                let bias = (0..<co).map { beta[$0] + (oldBias[$0] - mean[$0]) * scale[$0] }
                newSpecs.append(.conv2d(in: ci, out: co, kernel: k, stride: s, padding: p, bias: true))
                newLayers.append(Conv2d(weight: Parameter(Tensor(shape: conv.weight.shape, data: folded)),
                                        bias: Parameter(Tensor(shape: [co], data: bias)), stride: s, padding: p))
                i += 2
            } else {
                newSpecs.append(specs[i]); newLayers.append(layers[i]); i += 1
            }
        }
        return Model(spec: .sequential(newSpecs), network: Sequential(newLayers))
    }

    /// Top-level indices of the layers a conversion replaces (conv2d and linear), in order.
    public static func convertibleLayers(_ spec: ModelSpec) -> [Int] {
        guard case .sequential(let specs) = spec else { return [] }
        return specs.indices.filter {
            switch specs[$0] {
            case .conv2d, .linear: true
            default: false
            }
        }
    }

    /// `model` with its top-level layer `index` (a conv2d or linear) replaced by its BM form; the
    /// other layers keep their parameters (shared, not copied).
    public static func converting(_ model: Model, layer index: Int) throws -> Model {
        var (specs, layers) = try parts(model)
        guard specs.indices.contains(index) else {
            throw NNError.invalidArgument("layer \(index) does not exist (the network has \(specs.count) top-level layers)")
        }
        switch (specs[index], layers[index]) {
        case (.conv2d(let i, let o, let k, let s, let p, _), let conv as Conv2d):
            specs[index] = .bmConv2d(in: i, out: o, kernel: k, stride: s, padding: p)
            layers[index] = BMConv2d(converting: conv)
        case (.linear(let i, let o, _), let linear as Linear):
            specs[index] = .bmLinear(in: i, out: o)
            layers[index] = BMLinear(converting: linear)
        default:
            throw NNError.invalidArgument("layer \(index) is \(specs[index].typeName), not conv2d or linear")
        }
        return Model(spec: .sequential(specs), network: Sequential(layers))
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

    private static func parts(_ model: Model) throws -> ([ModelSpec], [any Layer]) {
        guard case .sequential(let specs) = model.spec, let network = model.network as? Sequential else {
            throw NNError.invalidArgument("BM conversion needs a sequential network, got \(model.spec.summary)")
        }
        return (specs, network.layers)
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

extension Conv2d {
    /// A convolution with the given parameters (batch-norm folding).
    init(weight: Parameter, bias: Parameter?, stride: Int, padding: Int) {
        self.weight = weight; self.bias = bias; self.stride = stride; self.padding = padding
    }
}
