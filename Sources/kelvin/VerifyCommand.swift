import ArgumentParser
import Compiler
import Foundation
import Verification

/// `kelvin verify DIR`: run a compile's decks in Kelvin's simulator (and ngspice) against the
/// manifest. Exit status 0 within tolerance, 1 past it, 2 on bad input. A multi-model compile is
/// verified model by model (results named `m0/…`, `m1/…`).
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Simulate a kelvin compile folder's decks and compare them with the tensor path (exit 0 pass, 1 fail, 2 bad input).",
        discussion: "A multi-model compile (several --checkpoint) is checked model by model: layers are named m0/3, m1/0, …; "
            + "--layer takes m1/3 (one model's) or 3 (every model's layer 3); --chain runs each model's images through its own modules.")

    @Argument(help: "Folder written by kelvin compile.") var directory: String
    @Option(help: "Only this layer (its index in the manifest; m1/3 in a multi-model compile).") var layer: String?
    @Option(help: "Only decks of the first N images.") var images: Int?
    @Option(help: "Only the first P positions per layer and image.") var positions: Int?
    @Option(help: "Largest error against digital, relative to full scale (default 0.01).") var tolerance = 0.01
    @Flag(help: "Also run every deck in ngspice (a second opinion).") var ngspice = false
    @Option(name: .customLong("ngspice-path"), help: "The ngspice executable.") var ngspicePath = "ngspice"
    @Flag(help: "Run whole images through the modules, each layer driven by the previous layer's simulated volts; classify from the last.")
    var chain = false
    @Option(help: "With --chain: least fraction of images whose circuit class equals the tensor path's (default 0.98).") var agreement = 0.98

    func run() throws {
        var options = VerifyOptions()
        options.layer = layer; options.images = images; options.positions = positions
        options.tolerance = tolerance; options.ngspice = ngspice; options.ngspicePath = ngspicePath
        if chain, FileManager.default.fileExists(atPath: directory + "/" + ModelSet.fileName) {
            let results: [(model: String, result: ChainResult)]
            do { results = try Verifier.chain(models: directory, images: images) } catch {
                FileHandle.standardError.write(Data("kelvin: error: \(error)\n".utf8))
                throw ExitCode(2)
            }
            var passed = true
            for (model, result) in results {
                let fraction = Double(result.agreeing) / Double(max(result.images.count, 1))
                passed = passed && fraction >= agreement
                print("\(model): \(result.summary)")
                print("\(model): " + (fraction >= agreement ? "PASS" : "FAIL"), String(format: "(agreement %.3g, required %.3g)", fraction, agreement))
            }
            print(passed ? "PASS: every model" : "FAIL: a model below the agreement")
            if !passed { throw ExitCode(1) }
            return
        }
        if chain {
            let result: ChainResult
            do { result = try Verifier.chain(directory: directory, images: images) } catch {
                FileHandle.standardError.write(Data("kelvin: error: \(error)\n".utf8))
                throw ExitCode(2)
            }
            print(result.summary)
            let fraction = Double(result.agreeing) / Double(max(result.images.count, 1))
            print(fraction >= agreement ? "PASS" : "FAIL", String(format: "(agreement %.3g, required %.3g)", fraction, agreement))
            if fraction < agreement { throw ExitCode(1) }
            return
        }
        let result: VerificationResult
        do {
            if let images, images < 1 { throw VerificationError.badInput("--images must be ≥ 1") }
            if let positions, positions < 1 { throw VerificationError.badInput("--positions must be ≥ 1") }
            result = try Verifier.verify(directory: directory, options: options)
        } catch {
            FileHandle.standardError.write(Data("kelvin: error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        for line in result.summary { print(line) }
        if !result.passed { throw ExitCode(1) }
    }
}
