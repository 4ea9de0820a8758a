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
            Without --out the results are printed as tables. Results are named as ngspice names its \
            plots (op1, dc1, dc2, ...); columns are the sweep scale, v(node) and i(vsource).
            """)

    @Argument(help: "The SPICE deck to simulate.")
    var deck: String

    @Option(name: .long, help: ArgumentHelp("Write one CSV per analysis (op1.csv, dc1.csv, ...) into DIR.", valueName: "DIR"))
    var out: String?

    @Option(name: .long, help: ArgumentHelp("Also write every result into an ngspice ASCII rawfile.", valueName: "FILE"))
    var raw: String?

    func run() throws {
        try SimRun(deck: deck, out: out, raw: raw).run()
    }
}

/// What `kelvin sim` does once its arguments are known (`SimCommand`, or `Kelvin.main`'s fast path).
struct SimRun {
    var deck: String
    var out: String?
    var raw: String?

    /// The arguments of the plain form `DECK [--out DIR] [--raw FILE]` (also `--out=DIR`), parsed
    /// by hand; nil for anything else, which is left to argument-parser (help, errors). Its
    /// reflection over `SimCommand` costs about 1 ms, a tenth of simulating a small deck.
    init?(arguments: [String]) {
        var deck: String?
        var options: [String: String] = [:]
        var k = 0
        while k < arguments.count {
            let argument = arguments[k]
            if let equals = argument.firstIndex(of: "="), argument.hasPrefix("--") {
                options[String(argument[..<equals])] = String(argument[argument.index(after: equals)...])
            } else if argument == "--out" || argument == "--raw", k + 1 < arguments.count {
                options[argument] = arguments[k + 1]
                k += 1
            } else if deck == nil, !argument.hasPrefix("-") {
                deck = argument
            } else {
                return nil
            }
            k += 1
        }
        guard let deck, Set(options.keys).isSubset(of: ["--out", "--raw"]) else { return nil }
        self.init(deck: deck, out: options["--out"], raw: options["--raw"])
    }

    init(deck: String, out: String?, raw: String?) {
        self.deck = deck
        self.out = out
        self.raw = raw
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
        let parsed = try NetlistParser.parse(file: deck)
        for note in parsed.notes {
            FileHandle.standardError.write(Data("kelvin: note: \(note)\n".utf8))
        }
        for warning in parsed.warnings {
            FileHandle.standardError.write(Data("kelvin: \(warning)\n".utf8))
        }
        try parsed.requireAnalysis()
        let results = try Simulation(deck: parsed).run()
        let elapsed = Date().timeIntervalSince(start)

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
            for r in results { print(Self.table(r)) }
        }
        if let raw {
            try Rawfile.write(results, to: raw)
            print("wrote \(raw)")
        }

        let points = results.reduce(0) { $0 + $1.rows.count }
        let iterations = results.reduce(0) { $0 + $1.newtonIterations }
        let names = results.map(\.name).joined(separator: ", ")
        print("\(results.count) analys\(results.count == 1 ? "is" : "es")\(names.isEmpty ? "" : " (\(names))"), "
            + "\(points) point\(points == 1 ? "" : "s"), \(iterations) Newton iterations, "
            + "\((elapsed * 1e4).rounded() / 10) ms")
    }

    /// A readable table: `name = value` lines for an operating point, columns for a sweep.
    static func table(_ r: SimulationResult) -> String {
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
            lines.append(r.variables.map(pad).joined())
            for row in r.rows {
                lines.append(row.map { pad(String(format: "%.6g", $0)) }.joined())
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
