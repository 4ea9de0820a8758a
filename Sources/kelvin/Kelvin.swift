import ArgumentParser
import Foundation
import LinearAlgebra

/// The `kelvin` command: thin subcommands over the library targets.
@main
struct Kelvin: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kelvin",
        abstract: "Analog circuit simulation, characterisation and analog-aware neural network training.",
        version: Kelvin.version,
        subcommands: [
            SimCommand.self, CharacterizeCommand.self, CellsCommand.self, TrainCommand.self, EvalCommand.self,
            ProfileCommand.self, CompileCommand.self, VerifyCommand.self, ImportCommand.self, ExportCommand.self, PlotCommand.self,
            BenchTrainCommand.self, BenchLoaderCommand.self, BMConvertCommand.self,
        ])

    /// Runs the command; `sim` and `characterize`, which use one BLAS thread, ask for it before
    /// anything loads OpenBLAS (see `BLASThreading.set`). Other commands keep OpenBLAS's threads.
    /// `kelvin sim` in its plain form skips argument-parser (see `SimRun.init(arguments:)`).
    static func main() {
        let arguments = CommandLine.arguments
        if arguments.count > 1, arguments[1] == "sim" || arguments[1] == "characterize" {
            BLASThreading.set(1)
        }
        if arguments.count > 1, arguments[1] == "sim", let run = SimRun(arguments: Array(arguments.dropFirst(2))) {
            do {
                try run.run()
            } catch {
                exit(withError: error)
            }
            exit()
        }
        if arguments.count > 1, let message = unknownSubcommand(arguments[1]) {
            FileHandle.standardError.write(Data("kelvin: error: \(message)\n".utf8))
            exit(withError: ExitCode.validationFailure)
        }
        main(nil)
    }

    /// The package version, printed by `kelvin --version` (the one place it is defined).
    static let version = "0.14.0"

    /// The names `kelvin WORD` accepts as its first argument.
    static var subcommandNames: [String] {
        configuration.subcommands.map { $0._commandName } + ["help"]
    }

    /// The message for a first argument that is neither an option nor a subcommand (nil when it
    /// is one), with the nearest subcommand as a suggestion. argument-parser alone reports
    /// "2 unexpected arguments", which does not say that the subcommand is the problem.
    static func unknownSubcommand(_ word: String) -> String? {
        guard !word.hasPrefix("-"), !subcommandNames.contains(word) else { return nil }
        let visible = configuration.subcommands.filter { $0.configuration.shouldDisplay }.map { $0._commandName }
        let nearest = visible.map { (name: $0, distance: editDistance($0.lowercased(), word.lowercased())) }
            .min { $0.distance < $1.distance }
        var message = "unknown subcommand '\(word)'"
        if let nearest, nearest.distance <= max(2, nearest.name.count / 3) || nearest.name.hasPrefix(word.lowercased()) {
            message += " (did you mean '\(nearest.name)'?)"
        }
        return message + "; the subcommands are " + visible.joined(separator: ", ") + " (see 'kelvin --help')"
    }

    /// Levenshtein distance between two words.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var row = Array(0...b.count)
        for i in 1...max(1, a.count) where !a.isEmpty {
            var previous = row[0]
            row[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let saved = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = saved
            }
        }
        return a.isEmpty ? b.count : row[b.count]
    }
}
