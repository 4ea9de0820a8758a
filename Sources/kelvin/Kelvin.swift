import ArgumentParser
import LinearAlgebra

/// The `kelvin` command: thin subcommands over the library targets.
@main
struct Kelvin: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kelvin",
        abstract: "Analog circuit simulation, characterisation and analog-aware neural network training.",
        subcommands: [SimCommand.self, CharacterizeCommand.self, TrainCommand.self, EvalCommand.self, PlotCommand.self, BenchTrainCommand.self])

    /// Runs the command; `sim` and `characterize`, which use one BLAS thread, get it before
    /// argument parsing, so OpenBLAS's idle workers stop before they spin beside it (see
    /// `BLASThreading.set`). Other commands keep OpenBLAS's threads as loaded.
    static func main() {
        let arguments = CommandLine.arguments
        if arguments.count > 1, arguments[1] == "sim" || arguments[1] == "characterize" {
            BLASThreading.set(1)
        }
        main(nil)
    }
}
