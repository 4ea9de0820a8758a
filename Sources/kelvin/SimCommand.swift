import ArgumentParser
import Foundation
import LinearAlgebra
import Netlist
import Simulator

/// `kelvin sim DECK.cir [--out DIR] [--raw FILE]`: runs a deck's analyses like `ngspice -b`.
struct SimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim",
        abstract: "Simulate a SPICE deck (.op, .dc, .tran, .ac, .tf, .sens, .noise) and write CSV or an ngspice rawfile.",
        discussion: """
            Without --out the results are printed as tables (.print cards choose them): a summary and the \
            first and last \(SimRun.shownRows) rows of each (--full prints every row). Results are named as \
            ngspice names its plots (op1, dc1, dc2, ...); columns are the sweep scale, v(node) and i(vsource). \
            A deck with a .control block runs it as ngspice -b does (print, wrdata, write, meas, foreach, \
            alter, ...). .meas results are printed and written to DIR/meas.csv. A .tran tries at most \
            \(Simulation.defaultMaximumTimePoints) time points unless --max-points says otherwise; a deck that \
            needs more fails before the run, and one that reaches the limit keeps the rows computed.
            """)

    @Argument(help: "The SPICE deck to simulate.")
    var deck: String

    @Option(name: .long, help: ArgumentHelp("Write one CSV per analysis (op1.csv, dc1.csv, ...) into DIR.", valueName: "DIR"))
    var out: String?

    @Option(name: .long, help: ArgumentHelp("Also write every result into an ngspice ASCII rawfile (the .save vectors when the deck has .save).", valueName: "FILE"))
    var raw: String?

    @Flag(name: .long, help: "Write only the deck's .save vectors (and the scale) into the --out CSVs.")
    var saveOnly = false

    @Option(name: .customLong("max-points"),
            help: ArgumentHelp("The most time points one .tran may try (default \(Simulation.defaultMaximumTimePoints)).",
                               valueName: "N"))
    var maxPoints: Int?

    @Flag(name: .long, help: "Print every row of each result (default: a summary with the first and last rows).")
    var full = false

    func validate() throws {
        if let maxPoints, maxPoints < 1 { throw ValidationError("--max-points must be at least 1") }
    }

    func run() throws {
        try SimRun(deck: deck, out: out, raw: raw, saveOnly: saveOnly, maxPoints: maxPoints, full: full).run()
    }
}

/// What `kelvin sim` does once its arguments are known (`SimCommand`, or `Kelvin.main`'s fast path).
struct SimRun {
    var deck: String
    var out: String?
    var raw: String?
    var saveOnly = false
    var maxPoints: Int?
    var full = false

    /// Rows printed at each end of a long result (the rest with `--full`).
    static let shownRows = 5

    /// The arguments of the plain form `DECK [--out DIR] [--raw FILE] [--save-only] [--max-points N]
    /// [--full]` (also `--out=DIR`), parsed by hand; nil for anything else, which is left to argument-parser (help, errors). Its
    /// reflection over `SimCommand` costs about 1 ms, a tenth of simulating a small deck.
    init?(arguments: [String]) {
        // Plain variables, not a `[String: String]` of options: that dictionary and its key set
        // cost ~400,000 instructions (generic metadata and conformance look-ups) on every run.
        var deck: String?
        var out: String?
        var raw: String?
        var maxPoints: Int?
        var saveOnly = false, full = false
        var k = 0
        while k < arguments.count {
            let argument = arguments[k]
            var name = argument
            var value: String?
            if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
                name = String(argument[..<equals])
                value = String(argument[argument.index(after: equals)...])
            } else if argument == "--out" || argument == "--raw" || argument == "--max-points", k + 1 < arguments.count {
                value = arguments[k + 1]
                k += 1
            }
            switch name {
            case "--out" where value != nil: out = value
            case "--raw" where value != nil: raw = value
            case "--max-points" where value != nil:
                // A malformed count is left to argument-parser, which reports it.
                guard let n = Int(value!), n > 0 else { return nil }
                maxPoints = n
            case "--save-only", "--full":
                if let value, !value.isEmpty { return nil }
                if name == "--full" { full = true } else { saveOnly = true }
            default:
                guard deck == nil, value == nil, !argument.hasPrefix("-") else { return nil }
                deck = argument
            }
            k += 1
        }
        guard let deck else { return nil }
        self.init(deck: deck, out: out, raw: raw, saveOnly: saveOnly, maxPoints: maxPoints, full: full)
    }

    init(deck: String, out: String?, raw: String?, saveOnly: Bool = false, maxPoints: Int? = nil, full: Bool = false) {
        self.deck = deck
        self.out = out
        self.raw = raw
        self.saveOnly = saveOnly
        self.maxPoints = maxPoints
        self.full = full
    }

    func run() throws {
        do {
            try simulate()
        } catch {
            let message = "\(error)".replacingOccurrences(of: "\n", with: " ")
            // A netlist error already reads `FILE:LINE:COL: error: ...`.
            let line = error is NetlistError ? "kelvin: \(message)" : "kelvin: error: \(message)"
            FileHandle.standardError.write(Data("\(line)\n".utf8))
            throw ExitCode(1)
        }
    }

    private func simulate() throws {
        // Circuit matrices are small: one BLAS thread is faster than several (see BLASThreading).
        BLASThreading.set(1)
        let start = Date()
        try checkOutputPaths()
        let parsed = try NetlistParser.parse(file: deck)
        for note in parsed.notes {
            FileHandle.standardError.write(Data("kelvin: note: \(note)\n".utf8))
        }
        for warning in parsed.warnings {
            FileHandle.standardError.write(Data("kelvin: \(warning)\n".utf8))
        }
        try parsed.requireAnalysis()
        var results: [SimulationResult] = []
        var measurements: [MeasurementCard.Outcome] = []
        if !parsed.control.isEmpty {
            // ngspice -b runs the .control block; its print, wrdata and write commands do the output.
            let path = deck
            var control = ControlInterpreter(deck: parsed) { overrides in
                try NetlistParser.parse(file: path, parameterOverrides: overrides)
            }
            control.write = { print($0, terminator: "") }
            control.writeError = { FileHandle.standardError.write(Data($0.utf8)) }
            do {
                try control.run()
                results = control.results
                measurements = control.measurements
            } catch {
                results = control.results
                measurements = control.measurements
                try writeOutputs(results, measurements, deck: parsed)
                throw error
            }
        } else {
            var simulation = try Simulation(deck: parsed)
            if let maxPoints { simulation.maximumTimePoints = maxPoints }
            do {
                try simulation.run(into: &results)
            } catch {
                // Keep what was computed (completed analyses, the rows of a stopped .tran), then fail.
                if !results.isEmpty {
                    if out == nil { for r in results { print(Self.table(r, full: full)) } }
                    try? writeOutputs(results, measurements, deck: parsed)
                }
                throw error
            }
            for r in results {
                // As ngspice -b: an analysis's measurements, then its .print tables. The plot (a
                // transposed copy of the result) is built only when a card needs it.
                let kind = String(r.name.prefix(while: { $0.isLetter }))
                let cards = out == nil ? parsed.prints.filter { $0.analysis == kind } : []
                let plot = parsed.measurements.isEmpty && cards.isEmpty ? nil : Plot(result: r)
                if let plot, !parsed.measurements.isEmpty {
                    let heading = ControlInterpreter.kindHeading(kind)
                    let m = ControlInterpreter.measureCards(parsed.measurements, on: plot, heading: heading)
                    if !m.stderr.isEmpty { FileHandle.standardError.write(Data(m.stderr.utf8)) }
                    print(m.stdout, terminator: "")
                    measurements += m.outcomes
                }
                if out == nil {
                    if let plot, !cards.isEmpty {
                        for card in cards { print(try Self.printCard(card, plot: plot), terminator: "") }
                    } else {
                        print(Self.table(r, full: full))
                    }
                }
            }
        }
        let elapsed = Date().timeIntervalSince(start)
        try writeOutputs(results, measurements, deck: parsed)

        let points = results.reduce(0) { $0 + $1.rows.count }
        let iterations = results.reduce(0) { $0 + $1.newtonIterations }
        var names = ""  // not `joined(separator:)`: see `CSVWriter.header`
        for r in results { names += names.isEmpty ? r.name : ", " + r.name }
        print("\(results.count) analys\(results.count == 1 ? "is" : "es")\(names.isEmpty ? "" : " (\(names))"), "
            + "\(points) point\(points == 1 ? "" : "s"), \(iterations) Newton iterations, "
            + "\((elapsed * 1e4).rounded() / 10) ms")
    }

    /// Writes the CSVs, `meas.csv` and the rawfile asked for.
    private func writeOutputs(_ results: [SimulationResult], _ measurements: [MeasurementCard.Outcome], deck parsed: Deck) throws {
        let saves = parsed.saves.filter { $0 != "all" }
        if let out {
            do {
                try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            } catch {
                throw SimulatorError.io(path: out, reason: "cannot create output directory")
            }
            for r in results {
                let path = (out as NSString).appendingPathComponent("\(r.name).csv")
                try CSVWriter.write(saveOnly ? Self.selecting(saves, from: r) : r, to: path)
                print("wrote \(path)")
            }
            if !measurements.isEmpty {
                let path = (out as NSString).appendingPathComponent("meas.csv")
                var text = "name,analysis,value\n"
                for m in measurements {
                    text += "\(m.name),\(m.analysis),\(m.value.map { String(format: "%.12g", $0) } ?? "failed")\n"
                }
                if let failure = OutputFile.write(Array(text.utf8), to: path) {
                    throw SimulatorError.io(path: path, reason: "cannot write measurements (\(String(cString: strerror(failure))))")
                }
                print("wrote \(path)")
            }
        }
        if let raw {
            try Rawfile.write(results.map { Self.selecting(saves, from: $0) }, to: raw)
            print("wrote \(raw)")
        }
    }

    /// Fails before the run when `--raw` names a file in a folder that does not exist, or `--out`
    /// names an existing file (a run of minutes should not end in "cannot write").
    private func checkOutputPaths() throws {
        var isDirectory: ObjCBool = false
        if let raw {
            let folder = (raw as NSString).deletingLastPathComponent
            let parent = folder.isEmpty ? "." : folder
            guard FileManager.default.fileExists(atPath: parent, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw SimulatorError.io(path: raw, reason: "cannot write the rawfile: folder '\(parent)' does not exist")
            }
            if FileManager.default.fileExists(atPath: raw, isDirectory: &isDirectory), isDirectory.boolValue {
                throw SimulatorError.io(path: raw, reason: "cannot write the rawfile: it is a folder")
            }
        }
        if let out, FileManager.default.fileExists(atPath: out, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw SimulatorError.io(path: out, reason: "--out names a file, not a folder")
        }
    }

    /// The result with only the scale and the `.save` vectors (all columns when `saves` is empty).
    static func selecting(_ saves: [String], from r: SimulationResult) -> SimulationResult {
        guard !saves.isEmpty else { return r }
        var wanted = Set<String>()
        for s in saves {
            var name = s
            if !name.contains("(") { name = name.hasSuffix("#branch") ? "i(\(name.dropLast(7)))" : "v(\(name))" }
            wanted.insert(name)
            if name.hasPrefix("v(") || name.hasPrefix("i(") {
                let kind = name.prefix(1), inner = name.dropFirst(1)
                wanted.insert("\(kind)r\(inner)")
                wanted.insert("\(kind)i\(inner)")
            }
        }
        let keep = r.variables.indices.filter { k in
            k == 0 && ["time", "frequency", "v-sweep", "i-sweep", "temp-sweep"].contains(r.variables[0]) || wanted.contains(r.variables[k])
        }
        var selected = r
        selected.variables = keep.map { r.variables[$0] }
        selected.rows = r.rows.map { row in keep.map { row[$0] } }
        return selected
    }

    /// A `.print` card's table, as ngspice's `print` command lays it out.
    static func printCard(_ card: PrintCard, plot: Plot) throws -> String {
        try ControlInterpreter.printText(card.vectors.joined(separator: " "), plot: plot, location: card.location)
    }

    /// A readable table: `name = value` lines for an operating point; for a sweep a summary line
    /// (rows, scale range) and the first and last `shownRows` rows, or every row when `full`.
    static func table(_ r: SimulationResult, full: Bool = false) -> String {
        var lines = ["\(r.name): \(r.plotName) — \(r.title)"]
        if r.rows.count == 1 {
            let width = r.variables.map(\.count).max() ?? 0
            for (k, v) in r.variables.enumerated() {
                lines.append("  " + v.padding(toLength: width, withPad: " ", startingAt: 0) + " = "
                    + String(format: "%.6g", r.rows[0][k]))
            }
        } else {
            let width = max(14, (r.variables.map(\.count).max() ?? 0) + 2)
            func pad(_ s: String) -> String {
                String(repeating: " ", count: max(0, width - s.count)) + s
            }
            func row(_ values: [Double]) -> String { values.map { pad(String(format: "%.6g", $0)) }.joined() }
            if let first = r.rows.first?.first, let last = r.rows.last?.first, let scale = r.variables.first {
                lines.append("  \(r.rows.count) rows, \(r.variables.count) columns; \(scale) from "
                    + String(format: "%.6g", first) + " to " + String(format: "%.6g", last))
            }
            lines.append(r.variables.map(pad).joined())
            let shown = shownRows
            if full || r.rows.count <= 2 * shown + 1 {
                for values in r.rows { lines.append(row(values)) }
            } else {
                for values in r.rows.prefix(shown) { lines.append(row(values)) }
                lines.append(pad("...") + "  (\(r.rows.count - 2 * shown) rows not shown: --full prints them, "
                    + "--out DIR writes CSV)")
                for values in r.rows.suffix(shown) { lines.append(row(values)) }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
