import ArgumentParser
import LinearAlgebra

/// The `kelvin` command: thin subcommands over the library targets.
@main
struct Kelvin: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kelvin",
        abstract: "Analog circuit simulation, characterisation and analog-aware neural network training.",
        subcommands: [
            SimCommand.self, CharacterizeCommand.self, CellsCommand.self, TrainCommand.self, EvalCommand.self,
            ProfileCommand.self, CompileCommand.self, VerifyCommand.self, ImportCommand.self, ExportCommand.self, PlotCommand.self,
            BenchTrainCommand.self, BMConvertCommand.self,
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
        main(nil)
    }
}
