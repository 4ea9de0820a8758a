import ArgumentParser
import Cells
import Foundation

/// `kelvin cells write DIR` (the generated cells' decks, e.g. into netlists/) and
/// `kelvin cells show NAME [--param K=V] [--subckt]` (one cell's deck or subcircuit on stdout).
struct CellsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cells",
        abstract: "Write or show the decks of the generated cells (Cells target).",
        subcommands: [Write.self, Show.self])

    struct Write: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write every generated netlist cell with default parameters as DIR/NAME.cir (netlists/ holds them).")

        @Argument(help: "Directory to write into.")
        var directory: String

        func run() throws {
            for cell in CellCatalog.netlistCells {
                let path = (directory as NSString).appendingPathComponent("\(cell.name).cir")
                let old = try? String(contentsOfFile: path, encoding: .utf8)
                if old == cell.characterizationDeck {
                    print("unchanged \(path)")
                    continue
                }
                do {
                    try cell.characterizationDeck.write(toFile: path, atomically: true, encoding: .utf8)
                } catch {
                    FileHandle.standardError.write(Data("kelvin: error: cannot write \(path)\n".utf8))
                    throw ExitCode(1)
                }
                print("wrote \(path)")
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a generated cell's deck (or its subcircuit).")

        @Argument(help: "Generated cell name (see kelvin characterize --list).")
        var name: String

        @Option(name: .long, help: ArgumentHelp("A parameter, repeatable.", valueName: "KEY=VALUE"))
        var param: [String] = []

        @Flag(name: .long, help: "Print the .subckt instead of the characterisation deck.")
        var subckt = false

        func run() throws {
            do {
                let cell = try CellCatalog.cell(named: name, parameters: try CellCatalog.parameters(param, cell: name))
                print(subckt ? cell.subcircuit : cell.characterizationDeck, terminator: "")
            } catch let error as CellsError {
                FileHandle.standardError.write(Data("kelvin: error: \(error)\n".utf8))
                throw ExitCode(1)
            }
        }
    }
}
