import ArgumentParser

/// The `kelvin` command: thin subcommands over the library targets.
@main
struct Kelvin: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kelvin",
        abstract: "Analog circuit simulation, characterisation and analog-aware neural network training.",
        subcommands: [SimCommand.self, CharacterizeCommand.self, TrainCommand.self, EvalCommand.self, PlotCommand.self, BenchTrainCommand.self])
}
