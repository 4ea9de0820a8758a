import Foundation

/// `models.json`: the models of a multi-model compile (`kelvin compile --checkpoint A --checkpoint
/// B`), each lowered onto its own modules in its own folder. `kelvin verify` reads it to find
/// them; its presence is what makes a folder a multi-model compile.
///
/// ```json
/// {"cell": "vcr", "models": [{"name": "m0", "folder": "m0", "checkpoint": "runs/cnn/last.ckpt",
///   "model": "sequential network of 9 layers", "input": [1, 28, 28], "track": 0}, …]}
/// ```
///
/// Each folder is a complete single-model compile (`cells.lib`, `modules/`, `decks/`,
/// `manifest.json`, `network.json`, `schedule.json`, `report.md`/`report.json`) whose module
/// names carry the model's prefix (`m1_l0_conv2d`): its decks run unchanged (`ngspice -b
/// m1/decks/…`) and no two models' modules share a subcircuit name.
public struct ModelSet: Sendable, Equatable, CompileFile {
    public struct Entry: Sendable, Equatable, Codable {
        /// `m0`, `m1`, … in the order the checkpoints were given.
        public var name: String
        /// The model's folder, relative to the compile folder.
        public var folder: String
        /// The checkpoint, as given.
        public var checkpoint: String
        /// The network (`ModelSpec.summary`).
        public var model: String
        /// The shape of one input image `[C, H, W]`.
        public var input: [Int]
        /// The model's track of `schedule.json`.
        public var track: Int

        public init(name: String, folder: String, checkpoint: String, model: String, input: [Int], track: Int) {
            self.name = name; self.folder = folder; self.checkpoint = checkpoint; self.model = model; self.input = input; self.track = track
        }
    }

    public var models: [Entry]
    public var cell: CellFlavour

    public init(models: [Entry], cell: CellFlavour) { self.models = models; self.cell = cell }

    public static let fileKind = "a multi-model compile's list of models"
    public static let jsonFormatting: JSONEncoder.OutputFormatting = [.sortedKeys, .prettyPrinted]

    /// The file name in a compile folder.
    public static let fileName = "models.json"

    /// The model set of `directory`, or nil when it is a single-model compile (no `models.json`).
    public static func of(directory: String) throws -> ModelSet? {
        let path = directory + "/" + fileName
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try ModelSet(path: path)
    }
}
