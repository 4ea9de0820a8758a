import Foundation

/// `network.json`: what `kelvin verify --chain` needs to run whole images through the compiled
/// modules, each layer driven by the previous layer's simulated voltages.
///
/// Stage by stage: the module (and a deck of it, to set a simulation session up), the geometry
/// that says which previous values feed which input source, and the gains from the previous
/// stage's volts to this module's input volts (`input_gain[c]`: a passive divider per channel in
/// hardware, `s_x/a_c`). The first stage's "previous volts" are the normalised image (1 V per
/// unit). The last stage's outputs divided by `output_scale` are the logits: the class is their
/// argmax.
public struct NetworkProgram: Sendable, Equatable, CompileFile {
    public struct Image: Sendable, Equatable, Codable {
        public var index: Int
        public var label: Int
        /// The tensor path's class.
        public var digitalClass: Int
        /// The normalised image, `[C·H·W]`.
        public var input: [Double]

        enum CodingKeys: String, CodingKey { case index, label, digitalClass = "digital_class", input }
    }

    public struct Stage: Sendable, Equatable, Codable {
        public var layer: String
        /// `conv2d`, `linear`, `maxpool2d`, `avgpool2d`, `globalavgpool`, `flatten` or `add` (a
        /// residual add, reading two banks).
        public var type: String
        /// Module and one of its decks (nil for flatten).
        public var module: String?
        public var deck: String?
        public var inputShape: [Int], outputShape: [Int]
        public var kernel: Int, stride: Int, padding: Int
        /// Per input channel (conv, max-pool) or feature (linear): input volts per previous volt.
        public var inputGain: [Double]
        /// Output node prefix: `r` (rectified), `y` (column, summer) or `m` (max).
        public var outputPrefix: String
        /// Volts per unit of each output channel (sign included: `y = scale·z`).
        public var outputScale: [Double]
        /// The reference source's volts (weight modules), else nil.
        public var reference: Double?
        /// The bank this stage reads (`input`: the image; `b<layer>`: that stage's outputs); nil:
        /// the previous stage's outputs (compiles before residual networks had decks).
        public var input: String? = nil
        /// A residual add's second input (the shortcut's bank) and its gains per channel (its
        /// first input's are `input_gain`).
        public var secondInput: String? = nil
        public var secondGain: [Double]? = nil

        enum CodingKeys: String, CodingKey {
            case layer, type, module, deck, inputShape = "input_shape", outputShape = "output_shape", kernel, stride, padding,
                 inputGain = "input_gain", outputPrefix = "output_prefix", outputScale = "output_scale", reference, input,
                 secondInput = "second_input", secondGain = "second_gain"
        }
    }

    public var images: [Image]
    public var stages: [Stage]

    public init(images: [Image], stages: [Stage]) { self.images = images; self.stages = stages }

    public static let fileKind = "a network program"
    public static let missingHint = "--chain needs a compile of a sequential network"
}
