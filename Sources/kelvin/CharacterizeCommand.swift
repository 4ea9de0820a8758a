import ArgumentParser
import Collective
import Cells
import Characterization
import Foundation
import LinearAlgebra
import Netlist
import TransferCurves

/// `kelvin characterize CELL --out FILE.lut`, or `--netlist F --input SRC=lo:hi:n --output NODE`,
/// or `--show FILE.lut`: turns a DC cell into a lookup table, or summarises and plots a table.
struct CharacterizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "characterize",
        abstract: "Sweep a cell through .dc (with Monte Carlo mismatch) into a lookup table, or show a table.",
        discussion: """
            Cells are read from netlists/NAME.cir, or built by a generator of the Cells target \
            (`--param KEY=VALUE`, e.g. `kelvin characterize max_circuit --param inputs=2`); `--list` \
            lists both. The deck's header declares the sweep and the ideal function:
              * characterize: input=V1 -15:15:61 output=out
              * ideal: -(x + 0.1)
            A second input= line makes a 2-D table (x outer, w inner) with a separable fit. \
            --show prints a table's summary and writes an SVG plot with the ideal beside the curve.
            """)

    @Argument(help: "Cell name (netlists/NAME.cir, or a generated cell: see --list), or a netlist file's path.")
    var cell: String?

    @Option(name: .long, help: ArgumentHelp("A generated cell's parameter, repeatable (the cell is built, not read from netlists/).", valueName: "KEY=VALUE"))
    var param: [String] = []

    @Flag(name: .long, help: "List the cells: netlist files and generated cells, one line each.")
    var list = false

    @Option(name: .long, help: ArgumentHelp("Characterise this netlist instead of a named cell.", valueName: "FILE"))
    var netlist: String?

    @Option(name: .long, help: ArgumentHelp("Swept source and grid, repeatable for a 2-D cell (overrides the header).", valueName: "SRC=lo:hi:n"))
    var input: [String] = []

    @Option(name: .long, help: ArgumentHelp("Output node (or i(vname)); overrides the header.", valueName: "NODE"))
    var output: String?

    @Option(name: .long, help: ArgumentHelp("The ideal function of x (and w); overrides the header.", valueName: "EXPR"))
    var ideal: String?

    @Option(name: .long, help: ArgumentHelp("Measure settling and energy with a transient step run to this time (s).", valueName: "T"))
    var tstop: String?

    @Option(name: .long, help: ArgumentHelp("Step levels for --tstop, from:to in either direction (default: the input's range, low to high).", valueName: "from:to"))
    var step: String?

    @Option(name: .long, help: ArgumentHelp("Supply V sources whose energy is integrated, e.g. VCC,VEE.", valueName: "LIST"))
    var supplies: String?

    @Option(name: .long, help: ArgumentHelp("Duration of one operation for the energy (s, > 0; default: the settling time).", valueName: "T"))
    var optime: String?

    @Option(name: .long, help: ArgumentHelp("Write the table here.", valueName: "FILE.lut"))
    var out: String?

    @Option(name: .long, help: "Monte Carlo instances (0: none).")
    var mc: Int = 0

    @Option(name: .long, help: ArgumentHelp("Relative Gaussian sigmas, e.g. R=1%,IS=5%.", valueName: "LIST"))
    var tolerance: String = "R=1%"

    @Option(name: .long, help: "Monte Carlo seed.")
    var seed: UInt64 = 1

    @Flag(name: .long, help: ArgumentHelp(
        "With several tolerances, skip the spread per tolerance (by default the Monte Carlo runs once more per tolerance alone)."))
    var noBreakdown = false

    @Option(name: .long, help: ArgumentHelp("Input range of the Monte Carlo gain/offset fit (default: the header's fit=, else all).", valueName: "lo:hi"))
    var gainFit: String?

    @Option(name: .long, help: "Relative residual target of the separable fit (2-D cells).")
    var fitTarget: Double = 1e-3

    @Option(name: .long, help: ArgumentHelp(
        "Directory of the named cells (default: the KELVIN_CELLS folders, ./netlists, then beside the kelvin binary).",
        valueName: "DIR"))
    var cells: String?

    /// The folder of cell `name`: `--cells`, or the first search folder holding NAME.cir (the
    /// first existing one when none does, so generated cells resolve `.include opamp.lib`).
    private func cellFolder(_ name: String) -> String {
        CellDirectories.folder(containing: name, explicit: cells) ?? CellDirectories.firstExisting(explicit: cells)
    }

    @Option(name: .long, help: ArgumentHelp("Summarise this table and plot it.", valueName: "FILE.lut"))
    var show: String?

    @Option(name: .long, help: ArgumentHelp("SVG plot path for --show (default: the table's path with .svg).", valueName: "FILE.svg"))
    var plot: String?

    @Flag(name: .long, help: "DC table only: skip the transient measurements the header asks for (tstop=, droop=).")
    var noDynamics = false

    @Flag(name: .long, help: "No progress output.")
    var quiet = false

    func run() throws {
        do {
            if list {
                print(try Self.listing(directory: CellDirectories.firstExisting(explicit: cells)), terminator: "")
            } else if let show {
                try showTable(show)
            } else {
                let communicator = try Communicator.fromLauncher(environment: ProcessInfo.processInfo.environment)
                do { try characterize(communicator) } catch where communicator.usesMPI && !(error is ExitCode) {
                    // One rank's error must end the others too, or they would wait for it for ever.
                    let message = "\(error)".replacingOccurrences(of: "\n", with: " ")
                    FileHandle.standardError.write(Data("kelvin: error: rank \(communicator.rank) of \(communicator.size): \(message)\n".utf8))
                    communicator.abort(code: 1)
                }
                communicator.finish()
            }
        } catch let error as ExitCode {
            throw error
        } catch {
            let message = "\(error)".replacingOccurrences(of: "\n", with: " ")
            let line = error is NetlistError || error is TransferCurvesError ? "kelvin: \(message)" : "kelvin: error: \(message)"
            FileHandle.standardError.write(Data("\(line)\n".utf8))
            throw ExitCode(1)
        }
    }

    /// The generator to use for `name`: with `--param`, or when netlists/NAME.cir does not exist
    /// (a file without parameters is read as is: for the generated cells it is the generator's output).
    private func generatedCell(_ name: String) throws -> (any Cell)? {
        let file = (cellFolder(name) as NSString).appendingPathComponent("\(name).cir")
        if param.isEmpty && FileManager.default.fileExists(atPath: file) { return nil }
        guard CellCatalog.entries.contains(where: { $0.name == name }) else {
            if param.isEmpty { return nil }  // CellSpec.path reports the unknown cell
            throw CellsError.unknownCell(name: name, available: CellCatalog.entries.map(\.name))
        }
        return try CellCatalog.cell(named: name, parameters: try CellCatalog.parameters(param, cell: name))
    }

    /// `--list`: the netlist files in `directory` (name and title) and the generated cells (name,
    /// summary, parameters with their defaults).
    static func listing(directory: String) throws -> String {
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".cir") }.sorted()
        let names = files.map { String($0.dropLast(4)) } + CellCatalog.entries.map(\.name)
        let width = (names.map(\.count).max() ?? 0) + 2
        func pad(_ s: String) -> String { s + String(repeating: " ", count: max(1, width - s.count)) }
        var text = "netlist files (\(directory)/NAME.cir):\n"
        for file in files {
            let name = String(file.dropLast(4))
            let path = (directory as NSString).appendingPathComponent(file)
            let title = (try? String(contentsOfFile: path, encoding: .utf8))?.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? ""
            let summary = title.hasPrefix(name + ":") ? String(title.dropFirst(name.count + 1)).trimmingCharacters(in: .whitespaces) : title
            text += "  " + pad(name) + summary + "\n"
        }
        text += "generated cells (Cells target; --param KEY=VALUE, defaults shown; those marked * are also netlist files):\n"
        for entry in CellCatalog.entries {
            let mark = files.contains("\(entry.name).cir") ? "*" : " "
            text += mark + " " + pad(entry.name) + entry.summary + "  [" + entry.parameters + "]\n"
        }
        return text
    }

    private func showTable(_ path: String) throws {
        let table = try LookupTable.read(from: path)
        let head = FileHandle(forReadingAtPath: path).map { handle in
            defer { try? handle.close() }
            return [UInt8]((try? handle.read(upToCount: 12)) ?? Data())
        }
        let version = head.flatMap(LookupTable.fileVersion) ?? LookupTable.formatVersion
        print(try TableReport.summary(table, path: path, version: version))
        let svgPath = plot ?? ((path as NSString).deletingPathExtension + ".svg")
        do {
            try TableReport.svg(table).write(toFile: svgPath, atomically: true, encoding: .utf8)
        } catch {
            throw TransferCurvesError.io(path: svgPath, reason: "cannot write the plot")
        }
        print("wrote \(svgPath)")
    }

    /// Under `mpirun -np N` the Monte Carlo instances are split over the ranks; rank 0 writes the table.
    private func characterize(_ communicator: Communicator) throws {
        guard let out else { throw ValidationError("give --out FILE.lut (or --show FILE.lut)") }
        guard mc >= 0, mc <= 1_000_000 else { throw ValidationError("--mc must be between 0 and 1000000") }
        guard fitTarget >= 0, fitTarget.isFinite else { throw ValidationError("--fit-target must be ≥ 0") }
        BLASThreading.set(1)
        let inputs = try input.map { try SweepAxis.parse($0, origin: "--input") }
        var spec: CellSpec
        // A path (`kelvin characterize netlists/max_circuit.cir`) is read as --netlist.
        let isPath = cell.map { $0.hasSuffix(".cir") && FileManager.default.fileExists(atPath: $0) } ?? false
        switch isPath && netlist == nil ? (nil, cell) : (cell, netlist) {
        case (let name?, nil):
            if let generated = try generatedCell(name) {
                let variant = param.isEmpty ? nil : param.joined(separator: ",")
                spec = try CellSpec.load(
                    cell: generated, directory: cellFolder(name), variant: variant, inputs: inputs, output: output, ideal: ideal)
            } else {
                let path = try CellDirectories.path(cell: name, explicit: cells)
                spec = try CellSpec.load(netlist: path, name: name, inputs: inputs, output: output, ideal: ideal)
            }
        case (nil, let file?):
            guard param.isEmpty else { throw ValidationError("--param needs a generated cell's name, not --netlist") }
            spec = try CellSpec.load(netlist: file, inputs: inputs, output: output, ideal: ideal)
        case (.some, .some): throw ValidationError("give a cell name or --netlist, not both")
        case (nil, nil): throw ValidationError("give a cell name (netlists/NAME.cir, or see --list) or --netlist FILE")
        }
        if let tstop {
            guard let stop = Double(tstop) ?? spiceValue(tstop), stop > 0 else { throw ValidationError("bad --tstop '\(tstop)'") }
            spec.dynamics = DynamicsSpec(
                stop: stop, from: spec.dynamics?.from, to: spec.dynamics?.to, supplies: spec.dynamics?.supplies ?? [],
                operationTime: spec.dynamics?.operationTime)
        }
        if var d = spec.dynamics {
            if let step {
                (d.from, d.to) = try parseStep(step, origin: "--step")
            }
            if let supplies { d.supplies = supplies.split(separator: ",").map { $0.lowercased() } }
            if let optime {
                guard let op = Double(optime) ?? spiceValue(optime), op.isFinite, op > 0 else {
                    throw ValidationError("bad --optime '\(optime)': the operation time must be a number of seconds > 0")
                }
                d.operationTime = op
            }
            spec.dynamics = d
        }
        if optime != nil && spec.dynamics == nil {
            throw ValidationError("--optime needs the transient step measurement (tstop= in the header, or --tstop)")
        }
        if noDynamics {
            spec.dynamics = nil
            spec.hold = nil
        }
        let tolerances = try Tolerances.parse(tolerance)
        let characterizer = try Characterizer(spec: spec)
        let root = communicator.isRoot
        for note in characterizer.deck.notes where root { FileHandle.standardError.write(Data("kelvin: note: \(note)\n".utf8)) }
        for warning in characterizer.deck.warnings where root { FileHandle.standardError.write(Data("kelvin: \(warning)\n".utf8)) }
        let command = (["kelvin"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
        let range = try gainFit.map { try parseRange($0, origin: "--gain-fit") }
        let options = CharacterizationOptions(
            monteCarloInstances: mc, tolerances: tolerances, seed: seed, fitTarget: fitTarget, gainFitRange: range,
            toleranceBreakdown: !noBreakdown, command: command)
        let start = Date()
        let showProgress = !quiet && mc > 0 && root
        let every = max(1, mc / 20)
        let ranks = communicator.size > 1 ? " (rank 0's share of \(mc), over \(communicator.size) ranks)" : ""
        var progress: (@Sendable (Int, Int) -> Void)?
        if showProgress {
            progress = { done, total in
                if done % every == 0 || done == total {
                    let end = done == total ? "\n" : ""
                    FileHandle.standardError.write(Data("\rmonte carlo \(done)/\(total)\(ranks)\(end)".utf8))
                }
            }
        }
        let table = try characterizer.characterize(
            options: options, progress: progress,
            notes: { if root { FileHandle.standardError.write(Data("kelvin: note: \($0)\n".utf8)) } },
            communicator: communicator)
        guard root else { return }
        try table.write(to: out)
        let elapsed = Date().timeIntervalSince(start)
        let points = characterizer.pointCount
        print("wrote \(out): \(spec.name), \(points) points" + (mc > 0 ? ", \(mc) Monte Carlo instances" : "")
            + String(format: ", %.2f s", elapsed))
    }
}
