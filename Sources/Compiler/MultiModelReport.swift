import Foundation

/// `report.json` of a multi-model compile: every model's totals (its own `report.json` in its
/// folder has the per-layer rows) and the whole chip's.
///
/// The models have disjoint module sets and storage banks, so hardware and energy add up:
/// `total = Σ_m total_m`, `E = Σ_kind (Σ_m n_kind,m)·E_op,kind = Σ_m E_m`. Their tracks run side by
/// side, so one inference of every model takes the **longest track**, `latency = max_m L_m`; the
/// same models on one track (one after another, the single-track alternative) would take
/// `serial_latency = Σ_m L_m`. Likewise for the training step that follows each track's inference
/// (`training_latency = max_m T_m`, `serial_training_latency = Σ_m T_m`) and the whole step
/// (`step_latency = max_m (L_m + T_m)`, `serial_step_latency = Σ_m (L_m + T_m)`).
public struct MultiModelReport: Sendable, Equatable, CompileFile {
    /// One model's totals, from its own report.
    public struct Model: Sendable, Equatable, Codable {
        public var name: String
        public var checkpoint: String
        public var model: String
        public var input: [Int]
        public var total: Resources
        public var operations: Operations
        public var energy: EnergyReport?
        public var latency: Double?
        public var trainingTotal: Resources
        public var trainingOperations: Operations
        public var trainingEnergy: EnergyReport?
        public var trainingLatency: Double?

        enum CodingKeys: String, CodingKey {
            case name, checkpoint, model, input, total, operations, energy, latency = "latency_s", trainingTotal = "training_total",
                 trainingOperations = "training_operations", trainingEnergy = "training_energy", trainingLatency = "training_latency_s"
        }

        public init(name: String, checkpoint: String, report r: ResourceReport) {
            self.name = name; self.checkpoint = checkpoint; model = r.model; input = r.input
            total = r.total; operations = r.operations; energy = r.energy; latency = r.latency
            trainingTotal = r.trainingTotal; trainingOperations = r.trainingOperations; trainingEnergy = r.trainingEnergy
            trainingLatency = r.trainingLatency
        }
    }

    public var models: [Model]
    public var cell: CellFlavour
    public var rowsPerTile: Int
    /// Σ over the models.
    public var total: Resources
    public var operations: Operations
    public var energy: EnergyReport?
    public var trainingTotal: Resources
    public var trainingOperations: Operations
    public var trainingEnergy: EnergyReport?
    /// One inference of every model, tracks in parallel: the longest track (s); nil for `--report-only`.
    public var latency: Double?
    /// The model whose track is the longest.
    public var latencyModel: String?
    /// The single-track alternative: the models one after another (s).
    public var serialLatency: Double?
    /// The training step after each track's inference, tracks in parallel (s); nil unless every
    /// model's training step is scheduled.
    public var trainingLatency: Double?
    public var trainingLatencyModel: String?
    public var serialTrainingLatency: Double?
    /// Inference and training step of every model, tracks in parallel (s).
    public var stepLatency: Double?
    public var serialStepLatency: Double?

    enum CodingKeys: String, CodingKey {
        case models, cell, rowsPerTile = "rows_per_tile", total, operations, energy, trainingTotal = "training_total",
             trainingOperations = "training_operations", trainingEnergy = "training_energy", latency = "latency_s",
             latencyModel = "latency_model", serialLatency = "serial_latency_s", trainingLatency = "training_latency_s",
             trainingLatencyModel = "training_latency_model", serialTrainingLatency = "serial_training_latency_s",
             stepLatency = "step_latency_s", serialStepLatency = "serial_step_latency_s"
    }

    public static let fileKind = "a multi-model resource report"
    public static let jsonFormatting: JSONEncoder.OutputFormatting = [.sortedKeys, .prettyPrinted]

    /// Adds the models' reports up (`energies`, the cells' figures, for the summed operations).
    public init(models: [Model], cell: CellFlavour, rowsPerTile: Int, energies: CellEnergies?) {
        self.models = models
        self.cell = cell
        self.rowsPerTile = rowsPerTile
        total = models.reduce(Resources()) { $0 + $1.total }
        operations = models.reduce(Operations()) { $0 + $1.operations }
        trainingTotal = models.reduce(Resources()) { $0 + $1.trainingTotal }
        trainingOperations = models.reduce(Operations()) { $0 + $1.trainingOperations }
        if let energies {
            energy = EnergyReport(operations: operations, energies: energies)
            trainingEnergy = EnergyReport(operations: trainingOperations, energies: energies)
        }
        /// The largest and the sum of a per-model time, when every model has one.
        func combine(_ time: (Model) -> Double?) -> (max: Double, model: String, sum: Double)? {
            let times = models.compactMap { m in time(m).map { (m.name, $0) } }
            guard times.count == models.count, let longest = times.max(by: { $0.1 < $1.1 }) else { return nil }
            return (longest.1, longest.0, times.reduce(0) { $0 + $1.1 })
        }
        if let c = combine(\.latency) { (latency, latencyModel, serialLatency) = (c.max, c.model, c.sum) }
        if let c = combine(\.trainingLatency) { (trainingLatency, trainingLatencyModel, serialTrainingLatency) = (c.max, c.model, c.sum) }
        if let c = combine({ m in m.latency.flatMap { l in m.trainingLatency.map { l + $0 } } }) { (stepLatency, serialStepLatency) = (c.max, c.sum) }
    }

    /// `report.md`: one row per model and the total, for the inference and for the training step.
    public var markdown: String {
        func shape(_ s: [Int]) -> String { s.map(String.init).joined(separator: "×") }
        func time(_ t: Double?) -> String { t.map { String(format: "%.4g s", $0) } ?? "—" }
        let names = models.map(\.name).joined(separator: ", ")
        var lines = [
            "# Resource report: \(models.count) models on disjoint module sets",
            "",
            "Cell flavour `\(cell.rawValue)` (\(cell.cellName)), \(rowsPerTile) rows per tile. Each model is lowered onto its own modules and "
                + "storage banks (folders \(names): each a complete single-model compile with its own report.md, per layer); the digital "
                + "control unit runs one track per model, side by side (schedule.json `tracks`). Hardware and energy add up over the models; "
                + "the latency is the longest track's. Counts as defined in Docs/compiler.md.",
            "",
            "## One inference of every model",
            "",
            "| model | checkpoint | network | input | op-amps | multiply cells | rectifiers | max circuits | summers | capacitors | switches | modules | slots | digital FLOPs | energy | latency |",
            "|---|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
        ]
        func row(_ r: Resources) -> String {
            "\(r.opAmps) | \(r.multiplyCells) | \(r.rectifiers) | \(r.maxCircuits) | \(r.summers) | \(r.capacitors) | \(r.switches) | \(r.modules) | \(r.slots) | \(r.flops)"
        }
        for m in models {
            lines.append("| \(m.name) | \(m.checkpoint) | \(m.model) | \(shape(m.input)) | \(row(m.total)) | \(m.energy?.text ?? "—") | \(time(m.latency)) |")
        }
        lines.append("| **total** | | | | " + row(total).split(separator: "|").map { "**\($0.trimmingCharacters(in: .whitespaces))**" }.joined(separator: " | ")
            + " | **\(energy?.text ?? "—")** | **\(time(latency))** (longest track) |")
        lines.append("")
        if let latency, let serialLatency, let latencyModel {
            lines.append(String(format: "Latency of one inference of every model: **%.4g s, the longest track (%@)**: the tracks run in parallel. "
                + "The single-track alternative, the same modules run one model after another, takes %.4g s (the sum of the tracks), "
                + "%.4g× as long.", latency, latencyModel, serialLatency, serialLatency / max(latency, .leastNonzeroMagnitude)))
        } else {
            lines.append("Latency: not computed (--report-only: the slot lengths come from each module's settling, which needs the weights).")
        }
        if let energy {
            lines += ["", "Energy of one inference of every model: **\(energy.text)**"
                + (energy.missing.isEmpty ? "" : " — a lower bound: " + energy.missing.joined(separator: "; ")) + ": the sum of the models' "
                + "(the tracks run the same operations as alone). Per kind:", "",
                      "| kind | cell | operations | energy per operation | energy |", "|---|---|--:|--:|--:|"]
            for part in energy.parts {
                lines.append("| \(part.kind.rawValue) | \(part.cell) | \(part.operations) | "
                    + (part.joulesPerOperation.map(SpiceJoules.format) ?? "**no figure**: \(part.missing ?? "")") + " | "
                    + (part.joules.map(SpiceJoules.format) ?? "**unknown**") + " |")
            }
            if let latency, let total = energy.totalJoules {
                lines += ["", String(format: "Mean power over the parallel inference: %.4g W (one track after another: %.4g W).",
                                     total / latency, total / (serialLatency ?? latency))]
            }
        }
        lines += ["", "## Training step", "",
                  "What one training step adds to each model's inference, on that model's modules (Docs/compiler.md, \"Training step\"); "
                    + "each track's training slots follow its own inference.", "",
                  "| model | op-amps | multiply cells | capacitors | switches | slots | digital FLOPs | energy | latency | inference + step |",
                  "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|"]
        func trainingRow(_ r: Resources) -> String { "\(r.opAmps) | \(r.multiplyCells) | \(r.capacitors) | \(r.switches) | \(r.slots) | \(r.flops)" }
        for m in models {
            let step = m.latency.flatMap { l in m.trainingLatency.map { l + $0 } }
            lines.append("| \(m.name) | \(trainingRow(m.trainingTotal)) | \(m.trainingEnergy?.text ?? "—") | \(time(m.trainingLatency)) | \(time(step)) |")
        }
        lines.append("| **total** | " + trainingRow(trainingTotal).split(separator: "|").map { "**\($0.trimmingCharacters(in: .whitespaces))**" }.joined(separator: " | ")
            + " | **\(trainingEnergy?.text ?? "—")** | **\(time(trainingLatency))** (longest track) | **\(time(stepLatency))** (longest track) |")
        lines.append("")
        if let trainingLatency, let serialTrainingLatency, let trainingLatencyModel, let stepLatency, let serialStepLatency {
            lines.append(String(format: "Latency of the training step: **%.4g s, the longest track (%@)**; one track after another: %.4g s (the sum). "
                + "Inference and training step of every model: **%.4g s** in parallel (the longest track), %.4g s on one track.",
                trainingLatency, trainingLatencyModel, serialTrainingLatency, stepLatency, serialStepLatency))
        } else {
            let missing = models.filter { $0.trainingLatency == nil }.map(\.name)
            lines.append("Latency of the training step: not scheduled for " + (missing.isEmpty ? "these models" : missing.joined(separator: ", "))
                + " (see its schedule.json `training_note`, or --report-only).")
        }
        if let trainingEnergy {
            lines.append("Energy of the training step of every model: \(trainingEnergy.text)"
                + (trainingEnergy.missing.isEmpty ? "" : " — a lower bound: " + trainingEnergy.missing.joined(separator: "; ")) + ".")
        }
        lines.append("")
        return lines.joined(separator: "\n")
    }
}
