import NN

/// One stage of a network as the compiler lowers it: a weighted layer (conv or linear, with its
/// batch norm folded in and its ReLU fused as a precision rectifier), a pooling stage, a residual
/// add (a summer) or a flatten (wiring only).
///
/// **Polarity.** Op-amp stages invert. A weighted module chooses its output's sign for free by
/// swapping each differential pair's columns: it gives `−a·z` when a ReLU follows (the precision
/// rectifier computes `max(0, −v)`, so the two inversions cancel) and `+a·z` otherwise. A summer
/// (residual add, average pooling) gives `−(a + b)`; a ReLU after it cancels that, and a weighted
/// layer fed an inverted signal swaps its pairs. Max-pooling needs a non-inverted input.
public struct LoweredLayer: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Conv (kernel k) or linear (k = 1, one position): a cross-point module.
        case weighted(WeightedGeometry)
        case maxPool(kernel: Int, stride: Int, padding: Int)
        /// Average pooling: a summer with gains 1/k² per output.
        case avgPool(kernel: Int, stride: Int, padding: Int)
        /// Mean over H×W: a summer with gains 1/(H·W) per channel.
        case globalAvgPool
        /// The residual sum `body + shortcut`: a two-input summer per value.
        case add
        /// A standalone ReLU on an inverted signal: a precision rectifier per value.
        case relu
        /// Reshape only.
        case flatten
    }

    /// Where the layer sits: its index in the model (`3`, `2.body.0`, `layer1.0.conv1`).
    public var index: String
    /// The state-name prefix of the layer's arrays (`0` for `model.0.weight`).
    public var stateName: String
    public var kind: Kind
    /// The state-name prefix of the batch norm folded into a weighted layer (nil: none).
    public var batchNorm: String?
    /// Whether a ReLU is fused (a rectifier per output).
    public var relu: Bool
    /// Whether this stage's input arrives inverted (`−x`).
    public var inputInverted: Bool
    /// Whether the stage's output is inverted (`−y`).
    public var outputInverted: Bool
    /// Shapes without the batch axis.
    public var inputShape: [Int], outputShape: [Int]
    /// Indices of the top-level layers of a sequential model this stage covers (nil inside blocks).
    public var topLevel: [Int]?

    /// The type name used in file names and reports (`conv2d`, `linear`, `maxpool2d`, …).
    public var typeName: String {
        switch kind {
        case .weighted(let g): g.isLinear ? "linear" : "conv2d"
        case .maxPool: "maxpool2d"
        case .avgPool: "avgpool2d"
        case .globalAvgPool: "globalavgpool"
        case .add: "add"
        case .relu: "relu"
        case .flatten: "flatten"
        }
    }

    /// Output positions a time-multiplexed module computes one after another (H_out·W_out; 1 for a
    /// linear layer).
    public var positions: Int { outputShape.count == 3 ? outputShape[1] * outputShape[2] : 1 }
}

/// The shape of a weighted layer's cross-point array.
public struct WeightedGeometry: Sendable, Equatable {
    public var isLinear: Bool
    public var inChannels: Int, outChannels: Int
    public var kernel: Int, stride: Int, padding: Int
    /// Whether the layer has a bias (its own or a folded batch norm's shift): bias rows.
    public var hasBias: Bool

    /// Rows of weights (`C_in·k²`), bias rows not included.
    public var rows: Int { inChannels * kernel * kernel }
    /// Rows of one input channel (`k²`).
    public var rowsPerChannel: Int { kernel * kernel }
}
