import Foundation
import Netlist
@testable import Simulator

/// Builds flattened decks by hand for simulator tests; `spice` renders them with `NetlistWriter`
/// so the same circuit can be run through ngspice.
struct TestDeck {
    var deck: Deck

    init(_ title: String = "test deck") { deck = Deck(title: title) }

    static let here = SourceLocation(file: "test.cir", line: 1, column: 1)

    mutating func add(_ name: String, _ nodes: [String], _ kind: ElementKind) {
        deck.elements.append(Element(name: name, nodes: nodes, kind: kind, location: Self.here))
    }
    mutating func r(_ name: String, _ a: String, _ b: String, _ value: Double) { add(name, [a, b], .resistor(resistance: value)) }
    mutating func c(_ name: String, _ a: String, _ b: String, _ value: Double) {
        add(name, [a, b], .capacitor(capacitance: value, initialCondition: nil))
    }
    mutating func l(_ name: String, _ a: String, _ b: String, _ value: Double) {
        add(name, [a, b], .inductor(inductance: value, initialCondition: nil))
    }
    mutating func v(_ name: String, _ a: String, _ b: String, _ value: Double) { add(name, [a, b], .voltageSource(Source(dc: value))) }
    mutating func i(_ name: String, _ a: String, _ b: String, _ value: Double) { add(name, [a, b], .currentSource(Source(dc: value))) }
    mutating func e(_ name: String, _ nodes: [String], _ gain: Double) { add(name, nodes, .vcvs(gain: gain)) }
    mutating func g(_ name: String, _ nodes: [String], _ gm: Double) { add(name, nodes, .vccs(transconductance: gm)) }
    mutating func f(_ name: String, _ a: String, _ b: String, _ src: String, _ gain: Double) {
        add(name, [a, b], .cccs(controllingSource: src, gain: gain))
    }
    mutating func h(_ name: String, _ a: String, _ b: String, _ src: String, _ r: Double) {
        add(name, [a, b], .ccvs(controllingSource: src, transresistance: r))
    }
    mutating func d(_ name: String, _ a: String, _ b: String, model: String = "dmod", _ params: [String: Double],
                    instance: [String: Double] = [:]) {
        let m = Model(name: model, type: "d", parameters: params, location: Self.here)
        add(name, [a, b], .diode(model: m, instance: instance))
    }
    mutating func op() { deck.analyses.append(Analysis(kind: .operatingPoint, location: Self.here)) }
    mutating func dc(_ specs: SweepSpec...) { deck.analyses.append(Analysis(kind: .dcSweep(specs), location: Self.here)) }
    mutating func option(_ key: String, _ value: Double) { deck.options.values[key] = value }

    func run() throws -> [SimulationResult] { try Simulation(deck: deck).run() }

    /// SPICE text of the deck (for ngspice), from the Netlist target's writer.
    var spice: String {
        get throws { try deck.spiceText() }
    }
}

/// ngspice helpers for agreement tests; `nil` when ngspice is not installed.
enum NgspiceRunner {
    static var executable: String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let path = "\(dir)/ngspice"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    /// Runs `ngspice -b` on `text` in a fresh directory; returns stdout+stderr and the directory.
    static func run(_ text: String, arguments: [String] = [], environment: [String: String] = [:]) throws
        -> (output: String, directory: URL)
    {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kelvin-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let deck = dir.appendingPathComponent("deck.cir")
        try text.write(to: deck, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable ?? "/usr/bin/ngspice")
        process.arguments = ["-b"] + arguments + ["deck.cir"]
        process.currentDirectoryURL = dir
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (String(decoding: data, as: UTF8.self), dir)
    }

    /// Runs the deck through ngspice and reads its ASCII rawfile.
    static func results(_ text: String) throws -> [SimulationResult] {
        let (output, dir) = try run(text, arguments: ["-r", "out.raw"], environment: ["SPICE_ASCIIRAWFILE": "1"])
        defer { try? FileManager.default.removeItem(at: dir) }
        let raw = dir.appendingPathComponent("out.raw").path
        guard FileManager.default.fileExists(atPath: raw) else {
            throw SimulatorError.io(path: raw, reason: "ngspice wrote no rawfile: \(output.suffix(400))")
        }
        return try Rawfile.read(path: raw)
    }
}
