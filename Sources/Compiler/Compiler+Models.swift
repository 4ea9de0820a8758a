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
            } catch let e as CompilerError {
                throw CompilerError.model(name: name, path: input.path, reason: "\(e)")
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

extension Schedule {
    /// The schedule of several models side by side: track `k` is model `k`'s schedule with its
    /// banks and module paths prefixed `<name>/`, every slot marked with its track and shifted by
    /// the track's start (0: all tracks start together). The slots (and the training slots) of all
    /// tracks are listed by start time, then track; `slot` keeps its number within the track.
    public static func tracks(_ models: [(name: String, checkpoint: String, schedule: Schedule)]) -> Schedule {
        var banks = [Bank](), slots = [Slot](), training = [Slot](), tracks = [Track]()
        var notes = [String]()
        for (k, m) in models.enumerated() {
            let prefix = m.name + "/"
            let start = 0.0
            func moved(_ s: Slot) -> Slot {
                var s = s
                s.track = k
                s.start += start
                s.module = prefix + s.module
                s.read.bank = prefix + s.read.bank
                s.write.bank = prefix + s.write.bank
                if let second = s.readSecond { s.readSecond!.bank = prefix + second.bank }
                return s
            }
            banks += m.schedule.banks.map { var b = $0; b.name = prefix + b.name; return b }
            slots += m.schedule.slots.map(moved)
            training += (m.schedule.training ?? []).map(moved)
            if let note = m.schedule.trainingNote { notes.append("\(m.name): \(note)") }
            tracks.append(Track(track: k, model: m.name, checkpoint: m.checkpoint, start: start, latency: m.schedule.latency,
                                trainingLatency: m.schedule.training.map { $0.reduce(0) { $0 + $1.duration } }))
        }
        let order = { (a: Slot, b: Slot) in (a.start, a.track ?? 0, a.slot) < (b.start, b.track ?? 0, b.slot) }
        let scheduled = models.contains { $0.schedule.training != nil }
        return Schedule(banks: banks, slots: slots.sorted(by: order), training: scheduled ? training.sorted(by: order) : nil,
                        trainingNote: notes.isEmpty ? nil : notes.joined(separator: "; "), tracks: tracks)
    }
}
