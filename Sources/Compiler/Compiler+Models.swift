import Foundation
import NN

/// One model of a multi-model compile: its checkpoint (and the path it came from, for messages),
/// the images to compile it on (its own data set) and its analog profile, if any.
public struct ModelInput: Sendable {
    public var checkpoint: Checkpoint
    public var path: String
    public var data: ImageDataset
    public var profile: (any StatefulProfile)?

    public init(checkpoint: Checkpoint, path: String, data: ImageDataset, profile: (any StatefulProfile)? = nil) {
        self.checkpoint = checkpoint; self.path = path; self.data = data; self.profile = profile
    }
}

/// The result of a multi-model compile, in memory: each model's compilation (files relative to its
/// own folder), the tracks' schedule, the combined report and every file by its path relative to
/// the output folder.
public struct MultiCompilation: Sendable {
    /// `m0`, `m1`, … with each model's single-model compilation.
    public var models: [(name: String, compilation: Compilation)]
    public var modelSet: ModelSet
    /// One track per model; nil for `--report-only`.
    public var schedule: Schedule?
    public var report: MultiModelReport
    public var files: [(path: String, text: String)]
}

extension Compiler {
    /// The name (and folder) of the `k`th model of a multi-model compile.
    public static func modelName(_ k: Int) -> String { "m\(k)" }

    /// Lowers several networks onto disjoint module sets (the seed's parallel training of several
    /// models, 000 §3.3): model `k` is compiled as alone with its module names prefixed `m<k>_`
    /// into its folder `m<k>/`, its banks and modules become `m<k>/…` in the combined schedule,
    /// and its slots form track `k`, starting at 0 beside the others. Every model is compiled and
    /// checked in memory before anything is returned; an error names the model.
    public static func compileModels(_ inputs: [ModelInput], options: CompileOptions, reportOnly: Bool = false,
                                     energies: CellEnergies? = nil) throws -> MultiCompilation {
        guard inputs.count >= 2 else { throw CompilerError.invalidOption("a multi-model compile needs at least two checkpoints (got \(inputs.count))") }
        for (k, input) in inputs.enumerated() {
            if let j = inputs[..<k].firstIndex(where: { $0.path == input.path || $0.checkpoint == input.checkpoint }) {
                throw CompilerError.model(name: modelName(k), path: input.path, reason: "the same checkpoint as model \(modelName(j)) (\(inputs[j].path)); "
                    + "each model gets its own modules, so give each checkpoint once")
            }
        }
        var models = [(name: String, compilation: Compilation)]()
        for (k, input) in inputs.enumerated() {
            let name = modelName(k)
            var o = options
            o.modulePrefix = name + "_"
            do {
                models.append((name, try compile(checkpoint: input.checkpoint, path: input.path, data: input.data, options: o,
                                                 profile: input.profile, reportOnly: reportOnly, energies: energies)))
            } catch {
                throw CompilerError.model(name: name, path: input.path, reason: "\(error)")
            }
        }
        let set = ModelSet(models: models.enumerated().map { k, m in
            ModelSet.Entry(name: m.name, folder: m.name, checkpoint: inputs[k].path, model: m.compilation.report.model,
                           input: m.compilation.report.input, track: k)
        }, cell: options.cell)
        var schedule: Schedule? = nil
        if !reportOnly {
            let tracks = try models.enumerated().map { k, m in
                guard let s = m.compilation.schedule else { throw CompilerError.invalidOption("internal: model \(m.name) has no schedule") }
                return (name: m.name, checkpoint: inputs[k].path, schedule: s)
            }
            let merged = Schedule.tracks(tracks)
            let problems = merged.violations()
            guard problems.isEmpty else {
                throw CompilerError.invalidOption("internal: the multi-model schedule is unsound: " + problems.prefix(3).joined(separator: "; "))
            }
            schedule = merged
        }
        let report = MultiModelReport(models: models.enumerated().map { k, m in MultiModelReport.Model(name: m.name, checkpoint: inputs[k].path, report: m.compilation.report) },
                                      cell: options.cell, rowsPerTile: options.rowsPerTile, energies: energies)
        var files = [(path: String, text: String)]()
        for m in models { files += m.compilation.files.map { (m.name + "/" + $0.path, $0.text) } }
        files.append((ModelSet.fileName, try set.json()))
        if let schedule { files.append(("schedule.json", try schedule.json())) }
        files += [("report.md", report.markdown), ("report.json", try report.json())]
        return MultiCompilation(models: models, modelSet: set, schedule: schedule, report: report, files: files)
    }

    /// Writes a multi-model compile as `write(_:to:)` writes one: through a temporary folder,
    /// replacing only a previous compile.
    public static func write(_ compilation: MultiCompilation, to directory: String) throws {
        try write(files: compilation.files, to: directory)
    }
}
