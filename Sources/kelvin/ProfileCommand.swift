import ArgumentParser
import Foundation
import NN

/// `kelvin profile show PROFILE`: what an analog execution profile contains.
struct ProfileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile", abstract: "Inspect analog execution profiles.", subcommands: [Show.self, List.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the built-in profiles.")
        func run() throws {
            for name in AnalogSettings.builtinDocuments.keys.sorted() {
                let s = try AnalogSettings.builtin(name)
                print("\(name): \(s?.description ?? "")")
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Print a profile: its settings, and each table with its SHA-256 and fit residual.",
            discussion: "With --json, prints the profile document alone (copy it to make your own profile).")

        @Argument(help: "A built-in profile name or a JSON file.") var profile: String
        @Flag(help: "Print the profile document only.") var json = false
        @Option(help: ArgumentHelp("Directory of the cells a profile names (default: the KELVIN_CELLS folders, ./netlists, then beside the kelvin binary).", valueName: "DIR")) var cells: String?

        func run() throws {
            do {
                let resolver = ProfileResolver(cells: cells)
                let (settings, origin) = try resolver.settings(profile)
                if json { print(settings.json()); return }
                let resolved = try resolver.profile(settings, origin: origin, chipSeed: 0)
                print("\(settings.name) (\(origin))")
                if let d = settings.description { print("  \(d)") }
                print(settings.json().split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
                for name in settings.tableNames {
                    print("table \(name): SHA-256 \(resolved.tableHashes[name] ?? "?")")
                }
                for line in resolved.cellSummary { print(line) }
            } catch let e as NNError { throw failCLI(e) }
        }
    }
}
