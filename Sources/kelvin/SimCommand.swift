import ArgumentParser
import Foundation
import LinearAlgebra
import Netlist
import Simulator

/// `kelvin sim DECK.cir [--out DIR] [--raw FILE]`: runs a deck's analyses like `ngspice -b`.
struct SimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim",
        abstract: "Simulate a SPICE deck (.op, .dc, .tran, .ac) and write CSV or an ngspice rawfile.",
        discussion: """
            Without --out the results are printed as tables: a summary and the first and last \
            \(SimRun.shownRows) rows of each (--full prints every row). Results are named as ngspice names its \
            plots (op1, dc1, dc2, ...); columns are the sweep scale, v(node) and i(vsource). A .tran tries at \
            most \(Simulation.defaultMaximumTimePoints) time points unless --max-points says otherwise; a deck \
            that needs more fails before the run, and one that reaches the limit keeps the rows computed.
            """)

    @Argument(help: "The SPICE deck to simulate.")
    var deck: String

    @Option(name: .long, help: ArgumentHelp("Write one CSV per analysis (op1.csv, dc1.csv, ...) into DIR.", valueName: "DIR"))
    var out: String?

    @Option(name: .long, help: ArgumentHelp("Also write every result into an ngspice ASCII rawfile.", valueName: "FILE"))
    var raw: String?

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
        try SimRun(deck: deck, out: out, raw: raw, maxPoints: maxPoints, full: full).run()
    }
}

/// What `kelvin sim` does once its arguments are known (`SimCommand`, or `Kelvin.main`'s fast path).
struct SimRun {
    var deck: String
    var out: String?
    var raw: String?
    var maxPoints: Int?
    var full = false

    /// Rows printed at each end of a long result (the rest with `--full`).
    static let shownRows = 5

    /// The arguments of the plain form `DECK [--out DIR] [--raw FILE] [--max-points N] [--full]`
    /// (also `--out=DIR`), parsed
    /// by hand; nil for anything else, which is left to argument-parser (help, errors). Its
    /// reflection over `SimCommand` costs about 1 ms, a tenth of simulating a small deck.
    init?(arguments: [String]) {
        var deck: String?
        var options: [String: String] = [:]
        var k = 0
        while k < arguments.count {
            let argument = arguments[k]
            if argument == "--full" {
                options[argument] = ""
            } else if let equals = argument.firstIndex(of: "="), argument.hasPrefix("--") {
                options[String(argument[..<equals])] = String(argument[argument.index(after: equals)...])
            } else if ["--out", "--raw", "--max-points"].contains(argument), k + 1 < arguments.count {
                options[argument] = arguments[k + 1]
                k += 1
            } else if deck == nil, !argument.hasPrefix("-") {
                deck = argument
            } else {
                return nil
            }
            k += 1
        }
        guard let deck, Set(options.keys).isSubset(of: ["--out", "--raw", "--max-points", "--full"]) else { return nil }
        var maxPoints: Int?
        if let text = options["--max-points"] {
            // A malformed count is left to argument-parser, which reports it.
            guard let n = Int(text), n > 0 else { return nil }
            maxPoints = n
        }
        self.init(deck: deck, out: options["--out"], raw: options["--raw"], maxPoints: maxPoints,
                  full: options["--full"] != nil)
    }

    init(deck: String, out: String?, raw: String?, maxPoints: Int? = nil, full: Bool = false) {
        self.deck = deck
        self.out = out
        self.raw = raw
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
        var simulation = try Simulation(deck: parsed)
        if let maxPoints { simulation.maximumTimePoints = maxPoints }
        var results: [SimulationResult] = []
        do {
            try simulation.run(into: &results)
        } catch {
            // Keep what was computed (completed analyses, the rows of a stopped .tran), then fail.
            if !results.isEmpty { try? write(results) }
            throw error
        }
        let elapsed = Date().timeIntervalSince(start)
        try write(results)

        let points = results.reduce(0) { $0 + $1.rows.count }
        let iterations = results.reduce(0) { $0 + $1.newtonIterations }
        let names = results.map(\.name).joined(separator: ", ")
        print("\(results.count) analys\(results.count == 1 ? "is" : "es")\(names.isEmpty ? "" : " (\(names))"), "
            + "\(points) point\(points == 1 ? "" : "s"), \(iterations) Newton iterations, "
            + "\((elapsed * 1e4).rounded() / 10) ms")
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

    /// Writes the results: CSVs (`--out`) or tables on the terminal, and the rawfile (`--raw`).
    private func write(_ results: [SimulationResult]) throws {
        if let out {
            do {
                try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            } catch {
                throw SimulatorError.io(path: out, reason: "cannot create output directory")
            }
            for r in results {
                let path = (out as NSString).appendingPathComponent("\(r.name).csv")
                try CSVWriter.write(r, to: path)
                print("wrote \(path)")
            }
        } else {
            for r in results { print(Self.table(r, full: full)) }
        }
        if let raw {
            try Rawfile.write(results, to: raw)
            print("wrote \(raw)")
        }
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
