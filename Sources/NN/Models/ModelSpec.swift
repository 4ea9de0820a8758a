import Tensor

/// The architecture of a network as a layer graph: enough to rebuild it (checkpoints store it)
/// and to reason about it without running it (shapes, the compiler's resource counts).
///
/// JSON form (checkpoints, `profile.json`): an object with a `type` and the layer's fields, e.g.
/// `{"type": "conv2d", "in": 1, "out": 8, "kernel": 3, "stride": 1, "padding": 1, "bias": false}`,
/// `{"type": "sequential", "layers": [...]}`, `{"type": "residual", "body": {...}, "shortcut": {...}}`,
/// `{"type": "resnet", "config": {...}}`; bipolar-morphological layers are
/// `{"type": "bmconv2d", "in": 8, "out": 16, "kernel": 3, "stride": 1, "padding": 1}` and
/// `{"type": "bmlinear", "in": 64, "out": 10}`. A bare `ResNetConfig` object (version-1 checkpoints) reads
/// as `.resnet`.
public indirect enum ModelSpec: Sendable, Equatable {
    /// torchvision's ResNet-18/34/50/101/152 (state names as torchvision's).
    case resnet(ResNetConfig)
    /// Layers one after another; state names prefixed with the index (`0.weight`).
    case sequential([ModelSpec])
    case conv2d(in: Int, out: Int, kernel: Int, stride: Int, padding: Int, bias: Bool)
    case batchNorm2d(channels: Int)
    case linear(in: Int, out: Int, bias: Bool)
    /// Bipolar-morphological convolution (`BMConv2d`, always with a bias).
    case bmConv2d(in: Int, out: Int, kernel: Int, stride: Int, padding: Int)
    /// Bipolar-morphological fully connected layer (`BMLinear`, always with a bias).
    case bmLinear(in: Int, out: Int)
    case relu
    case maxPool2d(kernel: Int, stride: Int, padding: Int)
    case avgPool2d(kernel: Int, stride: Int, padding: Int)
    case globalAvgPool
    case flatten
    /// `body(x) + shortcut(x)` (identity shortcut when nil).
    case residual(body: ModelSpec, shortcut: ModelSpec?)

    /// A two-convolution network for small images (`C×H×W`, H and W divisible by 4):
    /// conv3×3(C→w)+BN, ReLU, max-pool 2, conv3×3(w→2w)+BN, ReLU, max-pool 2, flatten, linear.
    public static func cnn(inputChannels: Int, height: Int, width: Int, classes: Int, channels w: Int) -> ModelSpec {
        .sequential([
            .conv2d(in: inputChannels, out: w, kernel: 3, stride: 1, padding: 1, bias: false), .batchNorm2d(channels: w), .relu,
            .maxPool2d(kernel: 2, stride: 2, padding: 0),
            .conv2d(in: w, out: 2 * w, kernel: 3, stride: 1, padding: 1, bias: false), .batchNorm2d(channels: 2 * w), .relu,
            .maxPool2d(kernel: 2, stride: 2, padding: 0),
            .flatten, .linear(in: 2 * w * (height / 4) * (width / 4), out: classes, bias: true),
        ])
    }

    /// A multi-layer perceptron: flatten, then linear+ReLU per hidden size, then linear to `classes`.
    public static func mlp(inputs: Int, hidden: [Int], classes: Int) -> ModelSpec {
        var layers: [ModelSpec] = [.flatten]
        var n = inputs
        for h in hidden { layers += [.linear(in: n, out: h, bias: true), .relu]; n = h }
        return .sequential(layers + [.linear(in: n, out: classes, bias: true)])
    }

    /// The layer's type name in JSON and messages.
    public var typeName: String {
        switch self {
        case .resnet: "resnet"
        case .sequential: "sequential"
        case .conv2d: "conv2d"
        case .batchNorm2d: "batchnorm2d"
        case .linear: "linear"
        case .bmConv2d: "bmconv2d"
        case .bmLinear: "bmlinear"
        case .relu: "relu"
        case .maxPool2d: "maxpool2d"
        case .avgPool2d: "avgpool2d"
        case .globalAvgPool: "globalavgpool"
        case .flatten: "flatten"
        case .residual: "residual"
        }
    }

    /// A one-line summary (`resnet18 (small stem, width 16)`, `sequential of 11 layers`).
    public var summary: String {
        switch self {
        case .resnet(let c): "resnet\(c.depth) (\(c.stem) stem, width \(c.width))"
        case .sequential(let l): "sequential network of \(l.count) layers"
        default: typeName
        }
    }
}

// MARK: - Building

extension ModelSpec {
    /// Builds the network with weights drawn from `seed` (each layer's own initialisation).
    public func build(seed: UInt64) throws -> any Layer {
        if case .resnet(let config) = self { return try ResNet(config, seed: seed) }
        var rng = RandomSource(seed: seed)
        return try build(rng: &rng, path: "model")
    }

    private func build(rng: inout RandomSource, path: String) throws -> any Layer {
        func positive(_ values: Int...) throws {
            guard values.allSatisfy({ $0 > 0 }) else {
                throw NNError.invalidArgument("\(path) (\(typeName)): sizes must be positive, got \(values)")
            }
        }
        switch self {
        case .resnet(let config): return try ResNet(config, seed: rng.next())
        case .sequential(let specs):
            var layers = [any Layer]()
            for (i, s) in specs.enumerated() { layers.append(try s.build(rng: &rng, path: path + ".\(i)")) }
            return Sequential(layers)
        case .conv2d(let i, let o, let k, let s, let p, let b):
            try positive(i, o, k, s)
            guard p >= 0 else { throw NNError.invalidArgument("\(path) (conv2d): padding must be ≥ 0, got \(p)") }
            return Conv2d(i, o, kernelSize: k, stride: s, padding: p, bias: b, rng: &rng)
        case .batchNorm2d(let c): try positive(c); return BatchNorm2d(c)
        case .linear(let i, let o, let b): try positive(i, o); return Linear(i, o, bias: b, rng: &rng)
        case .bmConv2d(let i, let o, let k, let s, let p):
            try positive(i, o, k, s)
            guard p >= 0 else { throw NNError.invalidArgument("\(path) (bmconv2d): padding must be ≥ 0, got \(p)") }
            return BMConv2d(i, o, kernelSize: k, stride: s, padding: p, rng: &rng)
        case .bmLinear(let i, let o): try positive(i, o); return BMLinear(i, o, rng: &rng)
        case .relu: return ReLU()
        case .maxPool2d(let k, let s, let p):
            try positive(k, s)
            return MaxPool2d(kernelSize: k, stride: s, padding: p)
        case .avgPool2d(let k, let s, let p):
            try positive(k, s)
            return AvgPool2d(kernelSize: k, stride: s, padding: p)
        case .globalAvgPool: return GlobalAvgPool()
        case .flatten: return Flatten()
        case .residual(let body, let shortcut):
            let b = try body.build(rng: &rng, path: path + ".body")
            return Residual(b, shortcut: try shortcut?.build(rng: &rng, path: path + ".shortcut"))
        }
    }
}

// MARK: - Shapes

extension ModelSpec {
    /// The output shape (without the batch axis) for an input of shape `input` (`[C, H, W]` or
    /// `[features]`); throws naming the first layer whose input does not fit.
    public func outputShape(for input: [Int]) throws -> [Int] { try shape(input, path: "model") }

    private func shape(_ x: [Int], path: String) throws -> [Int] {
        func fail(_ reason: String) -> NNError { .invalidArgument("\(path) (\(typeName)): \(reason)") }
        func spatial(_ k: Int, _ s: Int, _ p: Int, channels: Int) throws -> [Int] {
            guard x.count == 3 else { throw fail("expects a [C, H, W] input, gets \(x)") }
            let h = (x[1] + 2 * p - k) / s + 1, w = (x[2] + 2 * p - k) / s + 1
            guard h > 0, w > 0 else { throw fail("window \(k) does not fit input \(x)") }
            return [channels, h, w]
        }
        switch self {
        case .resnet(let c):
            guard x.count == 3, x[0] == c.inputChannels else { throw fail("expects [\(c.inputChannels), H, W], gets \(x)") }
            return [c.classes]
        case .sequential(let specs):
            var s = x
            for (i, spec) in specs.enumerated() { s = try spec.shape(s, path: path + ".\(i)") }
            return s
        case .conv2d(let i, let o, let k, let s, let p, _), .bmConv2d(let i, let o, let k, let s, let p):
            guard x.first == i else { throw fail("expects \(i) input channels, gets \(x)") }
            return try spatial(k, s, p, channels: o)
        case .batchNorm2d(let c):
            guard x.first == c else { throw fail("expects \(c) channels, gets \(x)") }
            return x
        case .linear(let i, let o, _), .bmLinear(let i, let o):
            let n = x.reduce(1, *)
            guard n == i else { throw fail("expects \(i) input features, gets \(n) (shape \(x))") }
            return [o]
        case .relu: return x
        case .maxPool2d(let k, let s, let p), .avgPool2d(let k, let s, let p):
            return try spatial(k, s, p, channels: x.first ?? 0)
        case .globalAvgPool:
            guard x.count == 3 else { throw fail("expects a [C, H, W] input, gets \(x)") }
            return [x[0]]
        case .flatten: return [x.reduce(1, *)]
        case .residual(let body, let shortcut):
            let a = try body.shape(x, path: path + ".body")
            let b = try shortcut?.shape(x, path: path + ".shortcut") ?? x
            guard a == b else { throw fail("body gives \(a) but the shortcut gives \(b)") }
            return a
        }
    }
}

// MARK: - JSON

extension ModelSpec: Codable {
    private enum Key: String, CodingKey {
        case type, config, layers, `in`, out, kernel, stride, padding, bias, channels, body, shortcut
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        guard c.contains(.type) else {
            // Version-1 checkpoints store a bare ResNetConfig.
            self = .resnet(try ResNetConfig(from: decoder))
            return
        }
        let type = try c.decode(String.self, forKey: .type)
        func int(_ k: Key) throws -> Int { try c.decode(Int.self, forKey: k) }
        switch type {
        case "resnet": self = .resnet(try c.decode(ResNetConfig.self, forKey: .config))
        case "sequential": self = .sequential(try c.decode([ModelSpec].self, forKey: .layers))
        case "conv2d":
            self = .conv2d(in: try int(.in), out: try int(.out), kernel: try int(.kernel), stride: try int(.stride),
                           padding: try int(.padding), bias: try c.decode(Bool.self, forKey: .bias))
        case "batchnorm2d": self = .batchNorm2d(channels: try int(.channels))
        case "linear": self = .linear(in: try int(.in), out: try int(.out), bias: try c.decode(Bool.self, forKey: .bias))
        case "bmconv2d":
            self = .bmConv2d(in: try int(.in), out: try int(.out), kernel: try int(.kernel), stride: try int(.stride),
                             padding: try int(.padding))
        case "bmlinear": self = .bmLinear(in: try int(.in), out: try int(.out))
        case "relu": self = .relu
        case "maxpool2d": self = .maxPool2d(kernel: try int(.kernel), stride: try int(.stride), padding: try int(.padding))
        case "avgpool2d": self = .avgPool2d(kernel: try int(.kernel), stride: try int(.stride), padding: try int(.padding))
        case "globalavgpool": self = .globalAvgPool
        case "flatten": self = .flatten
        case "residual":
            self = .residual(body: try c.decode(ModelSpec.self, forKey: .body),
                             shortcut: try c.decodeIfPresent(ModelSpec.self, forKey: .shortcut))
        default:
            throw DecodingError.dataCorruptedError(forKey: .type, in: c, debugDescription: "unknown layer type '\(type)'")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(typeName, forKey: .type)
        switch self {
        case .resnet(let config): try c.encode(config, forKey: .config)
        case .sequential(let layers): try c.encode(layers, forKey: .layers)
        case .conv2d(let i, let o, let k, let s, let p, let b):
            try c.encode(i, forKey: .in); try c.encode(o, forKey: .out); try c.encode(k, forKey: .kernel)
            try c.encode(s, forKey: .stride); try c.encode(p, forKey: .padding); try c.encode(b, forKey: .bias)
        case .bmConv2d(let i, let o, let k, let s, let p):
            try c.encode(i, forKey: .in); try c.encode(o, forKey: .out); try c.encode(k, forKey: .kernel)
            try c.encode(s, forKey: .stride); try c.encode(p, forKey: .padding)
        case .bmLinear(let i, let o): try c.encode(i, forKey: .in); try c.encode(o, forKey: .out)
        case .batchNorm2d(let ch): try c.encode(ch, forKey: .channels)
        case .linear(let i, let o, let b):
            try c.encode(i, forKey: .in); try c.encode(o, forKey: .out); try c.encode(b, forKey: .bias)
        case .maxPool2d(let k, let s, let p), .avgPool2d(let k, let s, let p):
            try c.encode(k, forKey: .kernel); try c.encode(s, forKey: .stride); try c.encode(p, forKey: .padding)
        case .relu, .globalAvgPool, .flatten: break
        case .residual(let body, let shortcut):
            try c.encode(body, forKey: .body)
            try c.encodeIfPresent(shortcut, forKey: .shortcut)
        }
    }
}

// MARK: - A built model

/// A network together with the spec it was built from; its parameters carry their state names
/// as labels (`layer1.0.conv1.weight`), which profiles use to key per-layer state and noise.
public struct Model: Layer {
    public let spec: ModelSpec
    public let network: any Layer

    /// Builds `spec` with weights drawn from `seed`.
    public init(_ spec: ModelSpec, seed: UInt64 = 0) throws {
        self.spec = spec
        network = try spec.build(seed: seed)
        for (name, p) in network.namedParameters { p.label = name }
    }

    public func callAsFunction(_ input: Tensor, context: ForwardContext) -> Tensor { network(input, context: context) }
    public var namedState: [NamedState] { network.namedState }
}
