import ArgumentParser
import Compiler
import Foundation
import NN
import TransferCurves

/// `kelvin compile`: lower a checkpoint's network to netlist modules, runnable decks, a manifest
/// and a resource report (Docs/compiler.md). Given several checkpoints (`--checkpoint` repeated),
/// each model is lowered onto its own modules in its own folder (`m0/`, `m1/`, …) and the control
/// schedule runs one track per model side by side.
struct CompileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compile",
        abstract: "Lower a trained network to op-amp netlists: modules, per-sample decks, manifest.json, report.md/json.",
        discussion: """
            Several models: repeat --checkpoint (kelvin compile --checkpoint A.ckpt --checkpoint B.ckpt --out DIR). Each model gets \
            its own, disjoint set of modules and storage banks in DIR/m0, DIR/m1, … (each a complete single-model compile, module \
            names prefixed m0_, m1_, …, decks runnable with ngspice -b as they are) and its own track of DIR/schedule.json; the \
            tracks run in parallel. DIR/report.md adds the models' hardware and energy up; the latency is the longest track's \
            (the one-track alternative, the sum, beside it). Each model uses its checkpoint's data set unless --dataset is given \
            (then all do); the other options apply to every model. kelvin verify DIR checks every model.
            """)

    @Option(help: ArgumentHelp("Checkpoint file (kelvin train or kelvin import); repeat it to compile several models onto disjoint module sets.",
                               valueName: "file")) var checkpoint: [String]
    @Option(help: "Output folder (written through a temporary folder renamed at the end).") var out: String
    @Option(help: "Data set of the sample inputs (default: the checkpoint's).") var dataset: String?
    @Option(name: .customLong("data-dir"), help: "Directory of the data set files.") var dataDir: String?
    @Option(help: "Test images with decks.") var images = 1
    @Option(help: "Output positions per layer and image with decks (evenly spread).") var positions = 4
    @Option(help: "Multiply cell: vcr (NMOS voltage-controlled resistor, the seed's design) or resistor.") var cell = "vcr"
    @Option(help: "Rows per module before the fan-in is tiled (whole input channels).") var rows = 256
    @Option(name: .customLong("switch"), help: "Sampling switches of the switched decks: ideal (S elements) or mos (NMOS pass transistors with overlap capacitances).")
    var switches = "ideal"
    @Option(help: "Analog profile for each output's 'profile' value (built-in name or JSON file; the same cell flavour).") var analog: String?
    @Option(help: ArgumentHelp("Directory of opamp.lib and the cells a profile names.", valueName: "DIR")) var cells = "netlists"
    @Flag(name: .customLong("report-only"), help: "Write only report.md and report.json (no netlists).") var reportOnly = false
    @Flag(help: "Calibrate the volt scales on the compiled images even when the checkpoint stores some.") var recalibrate = false
    @Flag(name: .customLong("update-decks"), help: "Also write the training step's weight-update decks (VCR cells: charge onto the capacitor weight cells).")
    var updateDecks = false

    func run() throws {
        do { try compile() } catch let e as CompilerError { throw failCLI(e) } catch let e as NNError { throw failCLI(e) }
    }

    /// Each kind of cell's energy per operation and settling time, from its characterised table
    /// (characterised on first use and cached like a profile's cells, without Monte Carlo): the
    /// generated cells' netlists under `--cells`. A cell that cannot be found or characterised, or
    /// whose table has no energy figure, is reported as such.
    private func energies(_ flavour: CellFlavour) -> CellEnergies {
        let resolver = ProfileResolver(cells: cells, monteCarlo: 0)
        var figures = [CellEnergies.Kind: CellEnergies.Figure]()
        for (kind, name) in CellEnergies.cellNames(for: flavour) {
            do {
                let netlist = try CellDirectories.path(cell: name, explicit: cells)
                let path = try resolver.cachedTable(cell: name, netlist: netlist)
                let table = try LookupTable.read(from: path)
                figures[kind] = CellEnergies.Figure(
                    cell: name, joulesPerOperation: table.dynamics?.energyPerOperation,
                    missing: "its table has no energy per operation (\(name).cir declares no tstop=/supplies= to measure it)",
                    settlingTime: table.dynamics?.settlingTime)
            } catch {
                figures[kind] = CellEnergies.Figure(cell: name, joulesPerOperation: nil, missing: "not characterised: \(error)")
            }
        }
        return CellEnergies(figures: figures)
    }

    /// A checkpoint, the test images it is compiled on (its own data set unless `--dataset`,
    /// normalised as in its training) and the `--analog` profile with its stored state.
    private func load(_ path: String) throws -> ModelInput {
        let ck = try Checkpoint(path: path)
        var options = ck.header.training ?? TrainingOptions(model: ck.header.model)
        if let dataset, dataset != options.dataset { options.dataset = dataset; options.dataDirectory = nil }
        if let dataDir { options.dataDirectory = dataDir }
        if let n = ck.header.inputNormalization { options.normalizationMean = n.mean; options.normalizationStd = n.std }
        options.trainLimit = options.normalizationMean.isEmpty ? nil : 1
        options.testLimit = max(images, 1)
        let (_, _, test) = try DatasetCatalog.prepare(options)
        var profile: AnalogProfile? = nil
        if let analog, !reportOnly {
            let p = try ProfileResolver(cells: cells).profile(analog)
            if ck.header.profile?.name == p.name { try p.loadState(from: ck.arrays, path: path) }
            profile = p
        }
        return ModelInput(checkpoint: ck, path: path, data: test, profile: profile)
    }

    private func compile() throws {
        guard let flavour = CellFlavour(rawValue: cell) else {
            throw CompilerError.invalidOption("unknown --cell '\(cell)' (use vcr or resistor)")
        }
        guard let switchFlavour = SwitchFlavour(rawValue: switches) else {
            throw CompilerError.invalidOption("unknown --switch '\(switches)' (use ideal or mos)")
        }
        var compileOptions = CompileOptions()
        compileOptions.cell = flavour
        compileOptions.images = images
        compileOptions.positions = positions
        compileOptions.rowsPerTile = rows
        compileOptions.switches = switchFlavour
        compileOptions.recalibrate = recalibrate
        compileOptions.updateDecks = updateDecks
        compileOptions.cellsDirectory = cells
        if checkpoint.count > 1 { return try compileModels(compileOptions) }
        guard let first = checkpoint.first else { throw CompilerError.invalidOption("missing --checkpoint") }  // the parser requires one
        let model = try load(first)
        if let rows = (model.profile as? AnalogProfile)?.settings.tiling?.rows { compileOptions.rowsPerTile = rows }
        let compilation = try Compiler.compile(checkpoint: model.checkpoint, path: model.path, data: model.data, options: compileOptions,
                                               profile: model.profile, reportOnly: reportOnly, energies: energies(flavour))
        for note in compilation.notes { FileHandle.standardError.write(Data("kelvin: note: \(note)\n".utf8)) }
        try Compiler.write(compilation, to: out)
        let t = compilation.report.total
        let decks = compilation.manifest?.decks.count ?? 0
        print("wrote \(out): \(compilation.stages.count) stages, \(decks) decks, \(t.opAmps) op-amps, \(t.multiplyCells) multiply cells, "
            + "\(t.capacitors) capacitors, \(t.switches) switches (digital: \(t.flops) FLOPs)"
            + (compilation.report.energy.map { "; energy per inference \($0.summary)" } ?? ""))
    }

    /// Several checkpoints onto disjoint module sets (`Compiler.compileModels`). Every checkpoint
    /// is read and every model compiled before anything is written; an error names the model.
    private func compileModels(_ options: CompileOptions) throws {
        var options = options
        var inputs = [ModelInput]()
        var seen = [String: Int]()
        for (k, path) in checkpoint.enumerated() {
            let name = Compiler.modelName(k)
            let resolved = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
            if let j = seen[resolved] {
                throw CompilerError.model(name: name, path: path, reason: "the same checkpoint as model \(Compiler.modelName(j)) (\(checkpoint[j])); "
                    + "each model gets its own modules, so give each checkpoint once")
            }
            seen[resolved] = k
            do { inputs.append(try load(path)) } catch {
                throw CompilerError.model(name: name, path: path, reason: "\(error)")
            }
        }
        if let rows = inputs.compactMap({ ($0.profile as? AnalogProfile)?.settings.tiling?.rows }).first { options.rowsPerTile = rows }
        let compilation = try Compiler.compileModels(inputs, options: options, reportOnly: reportOnly, energies: energies(options.cell))
        for (name, model) in compilation.models {
            for note in model.notes { FileHandle.standardError.write(Data("kelvin: note: \(name): \(note)\n".utf8)) }
        }
        try Compiler.write(compilation, to: out)
        let r = compilation.report, t = r.total
        let decks = compilation.models.reduce(0) { $0 + ($1.compilation.manifest?.decks.count ?? 0) }
        print("wrote \(out): \(compilation.models.count) models on disjoint module sets ("
            + compilation.models.map { "\($0.name): \($0.compilation.stages.count) stages" }.joined(separator: ", ") + "), "
            + "\(decks) decks, \(t.opAmps) op-amps, \(t.multiplyCells) multiply cells, \(t.capacitors) capacitors, \(t.switches) switches, "
            + "\(t.modules) modules (digital: \(t.flops) FLOPs)"
            + (r.energy.map { "; energy per inference \($0.summary)" } ?? "")
            + (r.latency.map { l in String(format: "; latency %.4g s (longest track, %@; one track: %.4g s)", l, r.latencyModel ?? "", r.serialLatency ?? l) } ?? ""))
    }
}
