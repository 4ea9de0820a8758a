import Foundation
import NN

/// Hardware counted for one stage (or a whole network) of the lowering, for one inference, against
/// the digital arithmetic it replaces. Docs/compiler.md gives the rule of every count.
public struct Resources: Sendable, Equatable, Codable {
    /// Op-amps: three per column and tile (two TIAs and a gain stage), one per partial-sum summer, rectifier,
    /// pooling or residual summer, one per input of a max circuit.
    public var opAmps = 0
    /// Multiply cells: two per weight and bias row (the differential pair).
    public var multiplyCells = 0
    public var rectifiers = 0
    public var maxCircuits = 0
    public var summers = 0
    /// Weight-hold capacitors (VCR cells) and output storage capacitors (one per stored value).
    public var capacitors = 0
    /// Input switches (a module row to its storage capacitor, per position) and output sampling switches.
    public var switches = 0
    /// Physical modules (each time-multiplexed over its output positions).
    public var modules = 0
    /// Control slots of one inference (one per output position of each module).
    public var slots = 0
    /// Digital floating-point operations of the same stage (multiply-add = 2, bias add, batch-norm
    /// scale and shift, ReLU compare, pooling compare or add).
    public var flops = 0

    public init() {}

    static func + (a: Resources, b: Resources) -> Resources {
        var r = Resources()
        r.opAmps = a.opAmps + b.opAmps; r.multiplyCells = a.multiplyCells + b.multiplyCells
        r.rectifiers = a.rectifiers + b.rectifiers; r.maxCircuits = a.maxCircuits + b.maxCircuits
        r.summers = a.summers + b.summers; r.capacitors = a.capacitors + b.capacitors
        r.switches = a.switches + b.switches; r.modules = a.modules + b.modules; r.slots = a.slots + b.slots
        r.flops = a.flops + b.flops
        return r
    }

    enum CodingKeys: String, CodingKey {
        case opAmps = "op_amps", multiplyCells = "multiply_cells", rectifiers, maxCircuits = "max_circuits", summers, capacitors,
             switches, modules, slots, flops
    }
}

/// One row of the report.
public struct LayerResources: Sendable, Equatable, Codable {
    public var index: String
    public var type: String
    public var inputShape: [Int], outputShape: [Int]
    public var positions: Int
    /// Fan-in tiles of a weighted module (1 otherwise).
    public var tiles: Int
    public var biasRows: Int
    public var relu: Bool
    public var resources: Resources
    /// Operations of each kind of characterised cell in one inference (for the energy).
    public var operations: Operations
    /// The stage's energy of one inference (nil when no cell energies were given).
    public var energy: EnergyReport? = nil
    /// What one training step adds to the inference (backward read, error routing, weight update).
    public var training = Resources()
    public var trainingOperations = Operations()
    public var trainingEnergy: EnergyReport? = nil

    enum CodingKeys: String, CodingKey {
        case index, type, inputShape = "input_shape", outputShape = "output_shape", positions, tiles, biasRows = "bias_rows", relu, resources,
             operations, energy, training, trainingOperations = "training_operations", trainingEnergy = "training_energy"
    }
}

/// `report.json`: per-layer and total resources of one inference.
public struct ResourceReport: Sendable, Equatable, CompileFile {
    public var model: String
    public var cell: CellFlavour
    public var input: [Int]
    public var rowsPerTile: Int
    public var layers: [LayerResources]
    public var total: Resources
    /// One inference's latency (s): the schedule's slots one after another (compiles with decks;
    /// nil for `--report-only`, whose slot lengths need the weights).
    public var latency: Double?
    /// Operations of each kind of characterised cell in one inference.
    public var operations: Operations
    /// One inference's energy from the cells' characterised energy per operation (nil: no
    /// energies given; a kind without a figure is named in it, never counted as 0).
    public var energy: EnergyReport?
    /// What one training step adds to the inference (Docs/compiler.md, "Training step").
    public var trainingTotal: Resources
    public var trainingOperations: Operations
    /// The training step's slots one after another (s), nil where they are not scheduled.
    public var trainingLatency: Double?
    public var trainingEnergy: EnergyReport?

    enum CodingKeys: String, CodingKey {
        case model, cell, input, rowsPerTile = "rows_per_tile", layers, total, latency = "latency_s", operations, energy,
             trainingTotal = "training_total", trainingOperations = "training_operations", trainingLatency = "training_latency_s",
             trainingEnergy = "training_energy"
    }

    /// Fills the energy of every stage and of the whole inference (and training step) from `energies`.
    public mutating func addEnergy(_ energies: CellEnergies) {
        for k in layers.indices {
            if layers[k].operations != Operations() { layers[k].energy = EnergyReport(operations: layers[k].operations, energies: energies) }
            if layers[k].trainingOperations != Operations() {
                layers[k].trainingEnergy = EnergyReport(operations: layers[k].trainingOperations, energies: energies)
            }
        }
        energy = EnergyReport(operations: operations, energies: energies)
        trainingEnergy = EnergyReport(operations: trainingOperations, energies: energies)
    }

    /// Counts the lowering of `spec` for inputs of shape `input`; `biasRows` overrides the bias
    /// rows of a weighted stage by index (default: one when it has a bias).
    public init(spec: ModelSpec, input: [Int], cell: CellFlavour, rowsPerTile: Int, biasRows: [String: Int] = [:]) throws {
        let stages = try Lowering.lower(spec, input: input)
        self.init(stages: stages, model: spec.summary, input: input, cell: cell, rowsPerTile: rowsPerTile, biasRows: biasRows)
    }

    public init(stages: [LoweredLayer], model: String, input: [Int], cell: CellFlavour, rowsPerTile: Int, biasRows: [String: Int] = [:]) {
        self.model = model
        self.cell = cell
        self.input = input
        self.rowsPerTile = rowsPerTile
        let first = stages.firstIndex { if case .weighted = $0.kind { true } else { false } }
        // Residual blocks with a 1×1 shortcut (the others' adds also route onto the block input's δ).
        let shortcuts = Set(stages.compactMap { (s: LoweredLayer) -> String? in
            s.index.components(separatedBy: ".shortcut.").count > 1 ? s.index.components(separatedBy: ".shortcut.")[0] : nil
        })
        layers = stages.enumerated().map { k, stage in
            var l = Self.count(stage, cell: cell, rowsPerTile: rowsPerTile, biasRows: biasRows[stage.index])
            (l.training, l.trainingOperations) = Self.countTraining(stage, cell: cell, rowsPerTile: rowsPerTile, biasRows: l.biasRows, first: k == first,
                                                                    identityShortcut: !shortcuts.contains(stage.index))
            return l
        }
        total = layers.reduce(Resources()) { $0 + $1.resources }
        operations = layers.reduce(Operations()) { $0 + $1.operations }
        trainingTotal = layers.reduce(Resources()) { $0 + $1.training }
        trainingOperations = layers.reduce(Operations()) { $0 + $1.trainingOperations }
    }

    /// What one training step adds for a stage (the rules of Docs/compiler.md, "Training step").
    ///
    /// Weighted (R rows, B bias rows, M outputs, T tiles, P positions), backward read (not for
    /// the network's first weighted stage, whose input gradient is not needed): `2R + 1 + M`
    /// op-amps (a TIA and a gain stage per row, the reference row's TIA, a column inverter),
    /// `2M` reference cells (and their gate capacitors for VCR cells), capacitors for the stored
    /// errors `MP` and the δ accumulators (the input's size), switches `R + B + 2TM` swapping rows
    /// and columns plus `MP` error reads, `RP` δ writes and `MP` ReLU-derivative gates when a ReLU
    /// is fused, `P` slots. Weight update (capacitor cells only): `R + B` row pulse drivers and
    /// `2TM` column transconductors (op-amps), a write switch per weight cell `2(R+B)M`, `P` slots.
    /// Max-pool: `Ck²P` routing switches, the δ bank, `P` slots; average pooling likewise with a
    /// `1/k²` divider; global average pool `Cn` switches and `Cn` capacitors, one slot; a
    /// standalone ReLU `CP` gates; a flatten nothing (its errors pass unchanged). A residual add
    /// (C channels): its errors gated by the ReLU's stored signs onto the error of the sum, which
    /// both branches read — `CP` error reads, `CP` δ writes (+ `CP` gates), `CP` capacitors, `P`
    /// slots; with an identity shortcut the same errors accumulated onto the block input's δ bank
    /// as well (`2CP` switches, `P` slots more).
    static func countTraining(_ s: LoweredLayer, cell: CellFlavour, rowsPerTile: Int, biasRows bias: Int, first: Bool,
                              identityShortcut: Bool = false) -> (Resources, Operations) {
        var r = Resources(), ops = Operations()
        let p = s.positions
        let channels = s.outputShape.first ?? 1
        let inputSize = s.inputShape.reduce(1, *)
        switch s.kind {
        case .weighted(let g):
            let m = g.outChannels, rows = g.rows
            let tiles = Tiling.tiles(inputChannels: g.inChannels, rowsPerChannel: g.rowsPerChannel, rows: rowsPerTile).count
            if !first {
                r.opAmps += 2 * rows + 1 + m
                r.multiplyCells += 2 * m
                r.capacitors += (cell.holdsOnCapacitor ? 2 * m : 0) + m * p + inputSize
                r.switches += rows + bias + 2 * tiles * m + m * p + rows * p + (s.relu ? m * p : 0)
                r.slots += p
                r.flops += 2 * rows * m * p + (s.relu ? m * p : 0)
                ops.multiply += 2 * (rows + bias + 1) * m * p
                ops.summer += (rows + 1 + m) * p
            }
            if cell.holdsOnCapacitor {
                r.opAmps += rows + bias + 2 * tiles * m
                r.switches += 2 * (rows + bias) * m
                r.slots += p
                r.flops += 2 * rows * m * p + (bias > 0 ? m * p : 0)
                ops.weightWrite += 2 * (rows + bias) * m * p
            }
        case .maxPool(let k, _, _), .avgPool(let k, _, _):
            r.switches = channels * k * k * p
            r.capacitors = inputSize
            r.slots = p
        case .globalAvgPool:
            let n = s.inputShape.count == 3 ? s.inputShape[1] * s.inputShape[2] : 1
            r.switches = channels * n; r.capacitors = channels * n; r.slots = 1
        case .relu:
            r.switches = channels * p
        case .add:
            r.switches = 2 * channels * p + (s.relu ? channels * p : 0)
            r.capacitors = channels * p
            r.slots = p
            r.flops = s.relu ? channels * p : 0
            if identityShortcut {
                r.switches += 2 * channels * p
                r.slots += p
                r.flops += channels * p
            }
        case .flatten:
            break
        }
        return (r, ops)
    }

    /// The counts of one stage (the rules of Docs/compiler.md).
    static func count(_ s: LoweredLayer, cell: CellFlavour, rowsPerTile: Int, biasRows: Int?) -> LayerResources {
        var r = Resources(), ops = Operations()
        let p = s.positions
        let channels = s.outputShape.first ?? 1
        var tiles = 1, bias = 0
        switch s.kind {
        case .weighted(let g):
            tiles = Tiling.tiles(inputChannels: g.inChannels, rowsPerChannel: g.rowsPerChannel, rows: rowsPerTile).count
            bias = biasRows ?? (g.hasBias ? 1 : 0)
            let m = g.outChannels
            r.multiplyCells = 2 * (g.rows + bias) * m
            r.summers = tiles > 1 ? m : 0
            r.rectifiers = s.relu ? m : 0
            r.opAmps = 3 * tiles * m + r.summers + r.rectifiers
            r.capacitors = (cell.holdsOnCapacitor ? r.multiplyCells : 0) + m * p
            r.switches = g.rows * p + m * p
            r.modules = 1
            r.slots = p
            r.flops = 2 * g.rows * m * p + (g.hasBias ? m * p : 0) + (s.batchNorm != nil ? 2 * m * p : 0) + (s.relu ? m * p : 0)
            ops.multiply = r.multiplyCells * p
            ops.summer = (tiles + (tiles > 1 ? 1 : 0)) * m * p
            ops.rectifier = s.relu ? m * p : 0
        case .maxPool(let k, _, _):
            r.maxCircuits = channels
            r.opAmps = channels * k * k
            r.capacitors = channels * p
            r.switches = channels * k * k * p + channels * p
            r.modules = 1; r.slots = p
            r.flops = (k * k - 1) * channels * p
            ops.max = channels * p
        case .avgPool(let k, _, _):
            r.summers = channels
            r.rectifiers = s.relu ? channels : 0
            r.opAmps = r.summers + r.rectifiers
            r.capacitors = channels * p
            r.switches = channels * k * k * p + channels * p
            r.modules = 1; r.slots = p
            r.flops = k * k * channels * p + (s.relu ? channels * p : 0)
            ops.summer = channels * p; ops.rectifier = s.relu ? channels * p : 0
        case .globalAvgPool:
            let n = s.inputShape.count == 3 ? s.inputShape[1] * s.inputShape[2] : 1
            r.summers = channels
            r.rectifiers = s.relu ? channels : 0
            r.opAmps = r.summers + r.rectifiers
            r.capacitors = channels
            r.switches = channels * n + channels
            r.modules = 1; r.slots = 1
            r.flops = n * channels + (s.relu ? channels : 0)
            ops.summer = channels; ops.rectifier = s.relu ? channels : 0
        case .add:
            r.summers = channels
            r.rectifiers = s.relu ? channels : 0
            r.opAmps = r.summers + r.rectifiers
            r.capacitors = channels * p
            r.switches = 2 * channels * p + channels * p
            r.modules = 1; r.slots = p
            r.flops = channels * p + (s.relu ? channels * p : 0)
            ops.summer = channels * p; ops.rectifier = s.relu ? channels * p : 0
        case .relu:
            r.rectifiers = channels
            r.opAmps = channels
            r.capacitors = channels * p
            r.switches = 2 * channels * p
            r.modules = 1; r.slots = p
            r.flops = channels * p
            ops.rectifier = channels * p
        case .flatten:
            break
        }
        return LayerResources(index: s.index, type: s.typeName, inputShape: s.inputShape, outputShape: s.outputShape, positions: p,
                              tiles: tiles, biasRows: bias, relu: s.relu, resources: r, operations: ops)
    }

    /// `report.md`: one table row per stage and the total.
    public var markdown: String {
        var lines = [
            "# Resource report: \(model)",
            "",
            "Cell flavour `\(cell.rawValue)` (\(cell.cellName)), input \(input.map(String.init).joined(separator: "×")), "
                + "\(rowsPerTile) rows per tile. One inference; counts as defined in Docs/compiler.md.",
            "",
            "| layer | type | in → out | positions | tiles | op-amps | multiply cells | rectifiers | max circuits | summers | capacitors | switches | modules | slots | digital FLOPs |",
            "|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
        ]
        func shape(_ s: [Int]) -> String { s.map(String.init).joined(separator: "×") }
        for l in layers {
            let r = l.resources
            lines.append("| \(l.index) | \(l.type)\(l.relu ? "+relu" : "") | \(shape(l.inputShape)) → \(shape(l.outputShape)) | \(l.positions) | \(l.tiles) | "
                + "\(r.opAmps) | \(r.multiplyCells) | \(r.rectifiers) | \(r.maxCircuits) | \(r.summers) | \(r.capacitors) | \(r.switches) | "
                + "\(r.modules) | \(r.slots) | \(r.flops) |")
        }
        let t = total
        lines.append("| **total** | | | | | **\(t.opAmps)** | **\(t.multiplyCells)** | **\(t.rectifiers)** | **\(t.maxCircuits)** | **\(t.summers)** | "
            + "**\(t.capacitors)** | **\(t.switches)** | **\(t.modules)** | **\(t.slots)** | **\(t.flops)** |")
        if let latency { lines += ["", String(format: "Latency of one inference: %.4g s (schedule.json: %d slots, each the module's settling time).", latency, t.slots)] }
        else { lines += ["", "Latency: not computed (--report-only: the slot lengths come from each module's settling, which needs the weights)."] }
        lines += ["", "## Energy per inference", ""]
        if let energy {
            lines += [
                "Operations of one inference × each cell's characterised energy per operation (`dynamics.energyPerOperation` of its table: "
                    + "the supplies' energy over one operation of the cell as characterised, its op-amps included; counting as the analog profiles').",
                "",
                "| kind | cell | operations | energy per operation | energy |",
                "|---|---|--:|--:|--:|",
            ]
            for part in energy.parts {
                lines.append("| \(part.kind.rawValue) | \(part.cell) | \(part.operations) | "
                    + (part.joulesPerOperation.map(SpiceJoules.format) ?? "**no figure**: \(part.missing ?? "")") + " | "
                    + (part.joules.map(SpiceJoules.format) ?? "**unknown**") + " |")
            }
            lines += ["", "**Energy of one inference: \(energy.text)**"
                + (energy.missing.isEmpty ? "" : " — a lower bound: " + energy.missing.joined(separator: "; ")) + "."]
            if let latency, let total = energy.totalJoules {
                lines.append(String(format: "Mean power over the inference: %.4g W.", total / latency))
            }
            lines += ["", "Switches and storage capacitors have no characterised energy per operation and are not included. "
                + (cell == .vcr ? "The multiply figure is the characterised cell's, whose bench includes its own op-amp TIA; in a module the cross point "
                + "is the transistor alone and its column op-amps are counted as summer operations, so the multiply energy is an upper bound." : ""), "",
                      "| layer | energy |", "|---|--:|"]
            for l in layers { if let e = l.energy { lines.append("| \(l.index) | \(e.text) |") } }
        } else {
            lines.append("Not computed: no cell energies were given (kelvin compile characterises the cells it uses; the Compiler API takes `CellEnergies`).")
        }
        lines += ["", "## Training step", "",
                  "What one training step adds to the inference above, on the same modules: the backward read δ = Wᵀe of every weighted stage "
                    + "but the first (rows and columns swapped by switches: the errors drive the columns, row circuits read the rows, a reference "
                    + "row cancels the cells' common term), the errors routed back through pooling and residual adds (to both branches) and gated by the ReLUs' stored signs, and the "
                    + "weight update as charge added to every capacitor weight cell (rows pulsed for x, columns carrying e). Modules are reused: "
                    + "no new modules. Counting rules: Docs/compiler.md.", "",
                  "| layer | type | op-amps | multiply cells | capacitors | switches | slots | digital FLOPs |",
                  "|---|---|--:|--:|--:|--:|--:|--:|"]
        for l in layers where l.training != Resources() {
            let r = l.training
            lines.append("| \(l.index) | \(l.type)\(l.relu ? "+relu" : "") | \(r.opAmps) | \(r.multiplyCells) | \(r.capacitors) | \(r.switches) | \(r.slots) | \(r.flops) |")
        }
        let tt = trainingTotal
        lines.append("| **total** | | **\(tt.opAmps)** | **\(tt.multiplyCells)** | **\(tt.capacitors)** | **\(tt.switches)** | **\(tt.slots)** | **\(tt.flops)** |")
        lines.append("")
        if !cell.holdsOnCapacitor {
            lines.append("Resistor cells hold fixed conductances: a training step has no weight update here (only the backward read is counted).")
        }
        if let trainingLatency {
            lines.append(String(format: "Latency of the training step: %.4g s (schedule.json `training`: %d slots), after the inference's.", trainingLatency, tt.slots))
        } else {
            lines.append("Latency of the training step: not scheduled (see schedule.json `training_note`, or --report-only).")
        }
        if let trainingEnergy {
            lines.append("Energy of the training step: \(trainingEnergy.text)"
                + (trainingEnergy.missing.isEmpty ? "" : " — a lower bound: " + trainingEnergy.missing.joined(separator: "; ")) + ".")
        }
        lines.append("")
        return lines.joined(separator: "\n")
    }

    public static let fileKind = "a resource report"
    /// `report.json` is pretty-printed (read by people too).
    public static let jsonFormatting: JSONEncoder.OutputFormatting = [.sortedKeys, .prettyPrinted]
}
