import Foundation

/// `manifest.json`: every top deck a compile wrote, its inputs, and the value each probed output
/// should have. `kelvin verify` reads it; other tools may too (the contract of Docs/compiler.md).
///
/// ```json
/// {"decks": [{"path": "decks/l0_conv2d_i0_p392.cir", "analysis": "op", "layer": "0", "type": "conv2d",
///   "module": "modules/l0_conv2d.cir", "image": 0, "position": 392,
///   "inputs": [{"source": "VX1", "node": "x1", "volts": 0.0123}],
///   "outputs": [{"node": "v(y1)", "time": null, "digital": -3.2, "profile": -3.19}]}],
///  "full_scale": 10, "cell": "vcr", "model": "sequential network of 9 layers"}
/// ```
public struct Manifest: Sendable, Equatable, CompileFile {
    /// One independent source of a deck and the value it is set to.
    public struct Input: Sendable, Equatable, Codable {
        public var source: String
        public var node: String
        public var volts: Double
        public init(source: String, node: String, volts: Double) { self.source = source; self.node = node; self.volts = volts }
    }

    /// One probed output: `v(node)` at `time` (null: the operating point).
    public struct Output: Sendable, Equatable, Codable {
        public var node: String
        public var time: Double?
        /// The tensor path's value, mapped to volts.
        public var digital: Double
        /// The analog profile's value (same cell flavour), mapped to volts; nil without `--analog`
        /// or where the profile does not model the stage.
        public var profile: Double?

        public init(node: String, time: Double? = nil, digital: Double, profile: Double? = nil) {
            self.node = node; self.time = time; self.digital = digital; self.profile = profile
        }

        enum CodingKeys: String, CodingKey { case node, time, digital, profile }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(node, forKey: .node)
            if let time { try c.encode(time, forKey: .time) } else { try c.encodeNil(forKey: .time) }
            try c.encode(digital, forKey: .digital)
            if let profile { try c.encode(profile, forKey: .profile) } else { try c.encodeNil(forKey: .profile) }
        }
    }

    public struct Deck: Sendable, Equatable, Codable {
        /// The top deck, relative to the compile folder.
        public var path: String
        /// `op` (one operating point) or `tran`.
        public var analysis: String
        /// The lowered layer's index (`0`, `3`).
        public var layer: String
        public var type: String
        /// The module netlist the deck includes, relative to the compile folder.
        public var module: String
        public var image: Int
        /// The output position (`y·W_out + x`; 0 for a linear layer).
        public var position: Int
        public var inputs: [Input]
        public var outputs: [Output]

        public init(path: String, analysis: String, layer: String, type: String, module: String, image: Int, position: Int,
                    inputs: [Input], outputs: [Output]) {
            self.path = path; self.analysis = analysis; self.layer = layer; self.type = type; self.module = module
            self.image = image; self.position = position; self.inputs = inputs; self.outputs = outputs
        }
    }

    public var decks: [Deck]
    /// The volts that relative errors are measured against (the calibration's output range).
    public var fullScale: Double
    public var cell: CellFlavour
    public var model: String
    /// The sampling switches of the switched decks (absent in manifests of older compiles: ideal).
    public var switches: SwitchFlavour?

    public init(decks: [Deck], fullScale: Double, cell: CellFlavour, model: String, switches: SwitchFlavour? = nil) {
        self.decks = decks; self.fullScale = fullScale; self.cell = cell; self.model = model; self.switches = switches
    }

    enum CodingKeys: String, CodingKey { case decks, fullScale = "full_scale", cell, model, switches = "switch" }

    public static let fileKind = "a compile manifest"
}
