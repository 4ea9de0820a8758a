import ArgumentParser
import Compiler
import Foundation
import NN
import TransferCurves

/// `kelvin compile`: lower a checkpoint's network to netlist modules, runnable decks, a manifest
/// and a resource report (Docs/compiler.md).
struct CompileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compile",
        abstract: "Lower a trained network to op-amp netlists: modules, per-sample decks, manifest.json, report.md/json.")

    @Option(help: "Checkpoint file (kelvin train or kelvin import).") var checkpoint: String
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

    /// Each kind of cell's energy per operation, from its characterised table (characterised on
    /// first use and cached like a profile's cells, without Monte Carlo): the generated cells'
    /// netlists under `--cells`. A cell that cannot be found or characterised, or whose table has
    /// no energy figure, is reported as such.
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
                    missing: "its table has no energy per operation (\(name).cir declares no tstop=/supplies= to measure it)")
            } catch {
                figures[kind] = CellEnergies.Figure(cell: name, joulesPerOperation: nil, missing: "not characterised: \(error)")
            }
        }
        return CellEnergies(figures: figures)
    }

    private func compile() throws {
        guard let flavour = CellFlavour(rawValue: cell) else {
            throw CompilerError.invalidOption("unknown --cell '\(cell)' (use vcr or resistor)")
        }
        guard let switchFlavour = SwitchFlavour(rawValue: switches) else {
            throw CompilerError.invalidOption("unknown --switch '\(switches)' (use ideal or mos)")
        }
        let ck = try Checkpoint(path: checkpoint)
        var options = ck.header.training ?? TrainingOptions(model: ck.header.model)
        if let dataset, dataset != options.dataset { options.dataset = dataset; options.dataDirectory = nil }
        if let dataDir { options.dataDirectory = dataDir }
        if let n = ck.header.inputNormalization { options.normalizationMean = n.mean; options.normalizationStd = n.std }
        options.trainLimit = options.normalizationMean.isEmpty ? nil : 1
        options.testLimit = max(images, 1)
        let (_, _, test) = try DatasetCatalog.prepare(options)
        var compileOptions = CompileOptions()
        compileOptions.cell = flavour
        compileOptions.images = images
        compileOptions.positions = positions
        compileOptions.rowsPerTile = rows
        compileOptions.switches = switchFlavour
        compileOptions.recalibrate = recalibrate
        compileOptions.updateDecks = updateDecks
        compileOptions.cellsDirectory = cells
        var profile: AnalogProfile? = nil
        if let analog, !reportOnly {
            let p = try ProfileResolver(cells: cells).profile(analog)
            if ck.header.profile?.name == p.name { try p.loadState(from: ck.arrays, path: checkpoint) }
            if let rows = p.settings.tiling?.rows { compileOptions.rowsPerTile = rows }
            profile = p
        }
        let compilation = try Compiler.compile(checkpoint: ck, path: checkpoint, data: test, options: compileOptions,
                                               profile: profile, reportOnly: reportOnly, energies: energies(flavour))
        for note in compilation.notes { FileHandle.standardError.write(Data("kelvin: note: \(note)\n".utf8)) }
        try Compiler.write(compilation, to: out)
        let t = compilation.report.total
        let decks = compilation.manifest?.decks.count ?? 0
        print("wrote \(out): \(compilation.stages.count) stages, \(decks) decks, \(t.opAmps) op-amps, \(t.multiplyCells) multiply cells, "
            + "\(t.capacitors) capacitors, \(t.switches) switches (digital: \(t.flops) FLOPs)"
            + (compilation.report.energy.map { "; energy per inference \($0.summary)" } ?? ""))
    }
}
