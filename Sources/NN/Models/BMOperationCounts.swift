/// Per-image operation counts of a network's weighted layers, classical against
/// bipolar-morphological, and the gate estimate from seed 003's Table 1.
///
/// Classical layer with fan-in N and `outputs` output values: N multiplications and N additions
/// (N − 1 for the sum, one for the bias) per output. BM layer, counted as the paper does (its
/// Table 2 follows from these counts to within 0.01): the sign of each `x_j·w_j` routes the term
/// `ln|x_j| + ln|w_j|` to one of the four maxima, so per output N additions and N max
/// operations, one exponential and two additions; one logarithm per input element (shared by
/// every output that reads it). `exp4Gates` counts instead what the four-term formula evaluates
/// (four exponentials, three combining additions and the bias per output).
public struct BMLayerCost: Codable, Sendable, Equatable {
    /// Gates per operation, single precision, 65 nm (seed 003, Table 1).
    public enum Gates {
        public static let add = 16048.0, max = 1464.0, mul = 35345.0, log = 154179.0, exp = 256965.0
    }

    public var layer: String
    public var fanIn: Int
    public var inputs: Int
    public var outputs: Int
    public var classicalMultiplies: Int
    public var classicalAdds: Int
    public var bmAdds: Int
    public var bmMax: Int
    public var bmLog: Int
    public var bmExp: Int

    public init(layer: String, fanIn: Int, inputs: Int, outputs: Int) {
        self.layer = layer; self.fanIn = fanIn; self.inputs = inputs; self.outputs = outputs
        classicalMultiplies = outputs * fanIn; classicalAdds = outputs * fanIn
        bmAdds = outputs * (fanIn + 2); bmMax = outputs * fanIn; bmLog = inputs; bmExp = outputs
    }

    public var classicalGates: Double { Double(classicalMultiplies) * Gates.mul + Double(classicalAdds) * Gates.add }
    public var bmGates: Double {
        Double(bmAdds) * Gates.add + Double(bmMax) * Gates.max + Double(bmLog) * Gates.log + Double(bmExp) * Gates.exp
    }
    /// BM gates with four exponentials and four additions per output (the formula as written).
    public var exp4Gates: Double { bmGates + Double(outputs) * (3 * Gates.exp + 2 * Gates.add) }
    /// Classical gates over BM gates (the paper's "gates standard/BM").
    public var gateRatio: Double { classicalGates / bmGates }

    /// The costs of the conv2d/linear layers (classical or BM) of a layer graph `spec` — a
    /// sequential network, residual bodies and shortcuts included, or a ResNet (counted on its
    /// layer graph) — for one image of shape `input` (`[C, H, W]`), in forward order. Each layer
    /// is named by its path (`BMConversion`) and its shape: `4.body.0 conv 8→8 3×3`, `/2` for a
    /// stride of 2.
    public static func costs(of spec: ModelSpec, input: [Int]) throws -> [BMLayerCost] {
        let graph: ModelSpec
        if case .resnet(let config) = spec { graph = config.layerGraph } else { graph = spec }
        guard case .sequential = graph else {
            throw NNError.invalidArgument("operation counts need a sequential network or a ResNet, got \(spec.summary)")
        }
        var result = [BMLayerCost]()
        _ = try count(graph, shape: input, path: nil, into: &result)
        return result
    }

    /// Appends the costs of `spec`'s weighted layers for an input of `shape`; returns its output shape.
    private static func count(_ spec: ModelSpec, shape: [Int], path: String?, into result: inout [BMLayerCost]) throws -> [Int] {
        func join(_ step: String) -> String { path.map { "\($0).\(step)" } ?? step }
        switch spec {
        case .sequential(let specs):
            var s = shape
            for (i, layer) in specs.enumerated() { s = try count(layer, shape: s, path: join("\(i)"), into: &result) }
            return s
        case .residual(let body, let shortcut):
            let out = try count(body, shape: shape, path: join("body"), into: &result)
            if let shortcut { _ = try count(shortcut, shape: shape, path: join("shortcut"), into: &result) }
            return out
        case .conv2d(let c, _, let k, let stride, _, _), .bmConv2d(let c, _, let k, let stride, _):
            let out = try spec.outputShape(for: shape)
            let strideText = stride == 1 ? "" : "/\(stride)"
            result.append(BMLayerCost(layer: "\(path ?? "") conv \(c)→\(out[0]) \(k)×\(k)\(strideText)", fanIn: c * k * k,
                                      inputs: shape.reduce(1, *), outputs: out.reduce(1, *)))
            return out
        case .linear(let a, let b, _), .bmLinear(let a, let b):
            result.append(BMLayerCost(layer: "\(path ?? "") linear \(a)→\(b)", fanIn: a, inputs: a, outputs: b))
            return try spec.outputShape(for: shape)
        default:
            return try spec.outputShape(for: shape)
        }
    }
}
