import Compiler
import Foundation
import Netlist
import Simulator

/// Errors of `kelvin verify`: bad input (exit status 2).
public enum VerificationError: Error, CustomStringConvertible, Sendable, Equatable {
    case badInput(String)
    /// A deck failed to parse or simulate (names the deck).
    case deckFailed(deck: String, reason: String)

    public var description: String {
        switch self {
        case .badInput(let m): m
        case .deckFailed(let deck, let reason): "\(deck): \(reason)"
        }
    }
}

/// Which decks to run and how strictly to judge them.
public struct VerifyOptions: Sendable, Equatable {
    /// Only this layer (the manifest's `layer`); nil: all.
    public var layer: String?
    /// Only decks of the first N images; nil: all.
    public var images: Int?
    /// Only the first P positions of each layer and image; nil: all.
    public var positions: Int?
    /// Largest error against `digital` allowed, relative to the manifest's full scale. The
    /// default, 1 % of full scale (0.1 V at 10 V), covers the op-amps' finite gain at the
    /// noise gains of tiled columns and the precision rectifier's and max circuit's offsets.
    public var tolerance = 0.01
    /// Also run every selected deck in ngspice.
    public var ngspice = false
    /// The ngspice executable.
    public var ngspicePath = "ngspice"

    public init() {}
}

/// One probed output compared with its expectations.
public struct OutputCheck: Sendable, Equatable, Codable {
    public var deck: String
    public var layer: String
    public var node: String
    /// Kelvin's simulated value (V).
    public var simulated: Double
    /// ngspice's value (V), with `--ngspice`.
    public var ngspice: Double?
    public var digital: Double
    public var profile: Double?
    /// For a switched (`.tran`) output: Kelvin's static (`.op`) value of the same sample and output.
    public var staticValue: Double? = nil

    /// `|simulated − digital|` (V).
    public var errorDigital: Double { abs(simulated - digital) }
    /// `|simulated − profile|` (V), when the manifest has a profile value.
    public var errorProfile: Double? { profile.map { abs(simulated - $0) } }
    /// What switching costs: `|simulated − static|` (V).
    public var errorSwitching: Double? { staticValue.map { abs(simulated - $0) } }
    /// `|simulated − ngspice|` (V).
    public var errorNgspice: Double? { ngspice.map { abs(simulated - $0) } }
}

/// All checks of one run and the verdict.
public struct VerificationResult: Sendable, Equatable {
    public var checks: [OutputCheck]
    public var decks: Int
    public var fullScale: Double
    public var tolerance: Double
    /// Seconds spent simulating in Kelvin and in ngspice.
    public var kelvinSeconds: Double
    public var ngspiceSeconds: Double?

    public var worstDigital: OutputCheck? { checks.max { $0.errorDigital < $1.errorDigital } }
    public var worstProfile: OutputCheck? { checks.filter { $0.profile != nil }.max { $0.errorProfile! < $1.errorProfile! } }
    public var worstNgspice: OutputCheck? { checks.filter { $0.ngspice != nil }.max { $0.errorNgspice! < $1.errorNgspice! } }
    /// Every output within `tolerance·fullScale` of `digital`.
    public var passed: Bool { (worstDigital?.errorDigital ?? 0) <= tolerance * fullScale }

    /// Lines for the terminal: per layer, then the worst outputs and the verdict.
    public var summary: [String] {
        var lines = [String]()
        var layers = [String]()
        for c in checks where !layers.contains(c.layer) { layers.append(c.layer) }
        func pct(_ e: Double) -> String { String(format: "%.3g %%", 100 * e / fullScale) }
        for layer in layers {
            let cs = checks.filter { $0.layer == layer }
            let d = cs.map(\.errorDigital).max() ?? 0
            var line = String(format: "layer %@: %d outputs, max error vs digital %.4g V (%@ of full scale)", layer, cs.count, d, pct(d))
            let ps = cs.compactMap(\.errorProfile)
            if !ps.isEmpty { line += String(format: ", vs profile %.4g V (%@)", ps.max()!, pct(ps.max()!)) }
            let sw = cs.compactMap(\.errorSwitching)
            if !sw.isEmpty { line += String(format: ", switching costs %.3g V against the static result", sw.max()!) }
            let ns = cs.compactMap(\.errorNgspice)
            if !ns.isEmpty { line += String(format: ", Kelvin vs ngspice %.3g V", ns.max()!) }
            lines.append(line)
        }
        func describe(_ c: OutputCheck, _ what: String, _ expected: Double, _ err: Double) -> String {
            String(format: "worst vs %@: %@ %@ (layer %@): simulated %.6g V, %@ %.6g V, error %.4g V (%@ of %g V full scale)",
                   what, c.deck, c.node, c.layer, c.simulated, what, expected, err, pct(err), fullScale)
        }
        if let w = worstDigital { lines.append(describe(w, "digital", w.digital, w.errorDigital)) }
        if let w = worstProfile { lines.append(describe(w, "profile", w.profile!, w.errorProfile!)) }
        if let w = worstNgspice { lines.append(describe(w, "ngspice", w.ngspice!, w.errorNgspice!)) }
        lines.append(String(format: "%@: %d decks, %d outputs, tolerance %g of full scale (%.4g V); Kelvin %.2f s%@",
                            passed ? "PASS" : "FAIL", decks, checks.count, tolerance, tolerance * fullScale, kelvinSeconds,
                            ngspiceSeconds.map { String(format: ", ngspice %.2f s", $0) } ?? ""))
        return lines
    }
}

/// Runs a compile folder's decks and compares them with the manifest.
public enum Verifier {
    /// The decks `options` selects, in manifest order.
    public static func select(_ manifest: Manifest, _ options: VerifyOptions) -> [Manifest.Deck] {
        var kept = [Manifest.Deck]()
        var positionsSeen = [String: [Int]]()
        for d in manifest.decks {
            if let layer = options.layer, d.layer != layer { continue }
            if let n = options.images, d.image >= n { continue }
            if let p = options.positions {
                let key = "\(d.layer)/\(d.image)"
                var seen = positionsSeen[key] ?? []
                if !seen.contains(d.position) {
                    guard seen.count < p else { continue }
                    seen.append(d.position)
                    positionsSeen[key] = seen
                }
            }
            kept.append(d)
        }
        return kept
    }

    /// Verifies `directory` (a `kelvin compile` output).
    /// A multi-model compile (`models.json`) is verified model by model (`verify(models:…)`).
    public static func verify(directory: String, options: VerifyOptions) throws -> VerificationResult {
        let set: ModelSet?
        do { set = try ModelSet.of(directory: directory) } catch { throw VerificationError.badInput("\(error)") }
        if let set { return try verify(models: set, directory: directory, options: options) }
        let manifest: Manifest
        do { manifest = try Manifest(path: directory + "/manifest.json") } catch { throw VerificationError.badInput("\(error)") }
        guard options.tolerance > 0 else { throw VerificationError.badInput("--tolerance must be positive") }
        if let layer = options.layer, !manifest.decks.contains(where: { $0.layer == layer }) {
            let layers = manifest.decks.map(\.layer).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
            throw VerificationError.badInput("no decks of layer '\(layer)' in \(directory)/manifest.json (layers: \(layers.joined(separator: ", ")))")
        }
        let decks = select(manifest, options)
        guard !decks.isEmpty else { throw VerificationError.badInput("\(directory)/manifest.json: no decks selected") }
        var checks = [OutputCheck]()
        let start = Date()
        // One session per module: the first deck sets the circuit up, the others only change sources.
        var sessions = [String: SimulationSession]()
        for d in decks {
            let deckPath = directory + "/" + d.path
            if d.analysis == "tran" {
                checks += try transient(d, deckPath: deckPath, switches: manifest.switches ?? .ideal)
                continue
            }
            guard d.analysis == "op" else { throw VerificationError.badInput("\(d.path): unknown analysis '\(d.analysis)'") }
            do {
                if sessions[d.module] == nil {
                    sessions[d.module] = try SimulationSession(deck: try NetlistParser.parse(file: deckPath))
                }
                for input in d.inputs { try sessions[d.module]!.setSource(input.source, input.volts) }
                try sessions[d.module]!.solve()
                for o in d.outputs {
                    let node = try Self.node(of: o.node, deck: d.path)
                    let v = try sessions[d.module]!.voltage(node)
                    checks.append(OutputCheck(deck: d.path, layer: d.type.hasSuffix("-backward") ? d.layer + " (backward)" : d.layer, node: o.node, simulated: v, ngspice: nil, digital: o.digital, profile: o.profile))
                }
            } catch let e as VerificationError {
                throw e
            } catch {
                throw VerificationError.deckFailed(deck: deckPath, reason: "\(error)")
            }
        }
        let kelvinSeconds = Date().timeIntervalSince(start)
        // Switched outputs against the static result of the same sample (same deck, same expected value).
        for k in checks.indices where checks[k].deck.hasSuffix("_tran.cir") {
            let base = String(checks[k].deck.dropLast("_tran.cir".count)) + ".cir"
            checks[k].staticValue = checks.first { $0.deck == base && $0.digital == checks[k].digital }?.simulated
        }
        var ngspiceSeconds: Double? = nil
        if options.ngspice {
            let t0 = Date()
            var k = 0
            for d in decks {
                let values = try NgspiceRunner.run(deck: directory + "/" + d.path, executable: options.ngspicePath, time: d.outputs.first?.time)
                for o in d.outputs {
                    guard let v = values[o.node.lowercased()] else {
                        throw VerificationError.deckFailed(deck: d.path, reason: "ngspice gave no \(o.node)")
                    }
                    checks[k].ngspice = v
                    k += 1
                }
            }
            ngspiceSeconds = Date().timeIntervalSince(t0)
        }
        return VerificationResult(checks: checks, decks: decks.count, fullScale: manifest.fullScale, tolerance: options.tolerance,
                                  kelvinSeconds: kelvinSeconds, ngspiceSeconds: ngspiceSeconds)
    }

    /// Runs a switched `.tran` deck and reads each output at its time (the nearest time point).
    static func transient(_ d: Manifest.Deck, deckPath: String, switches: SwitchFlavour = .ideal) throws -> [OutputCheck] {
        let results: [SimulationResult]
        do { results = try Simulation(deck: try NetlistParser.parse(file: deckPath)).run() } catch {
            throw VerificationError.deckFailed(deck: deckPath, reason: "\(error)")
        }
        guard let tran = results.first(where: { $0.variables.first == "time" }), let times = tran.column("time") else {
            throw VerificationError.deckFailed(deck: deckPath, reason: "no transient result")
        }
        return try d.outputs.map { o in
            let t = o.time ?? times.last!
            let row = times.indices.min { abs(times[$0] - t) < abs(times[$1] - t) }!
            guard let v = tran.value(o.node.lowercased(), row: row) else {
                throw VerificationError.deckFailed(deck: deckPath, reason: "no \(o.node) in the transient result")
            }
            let label = d.type.hasSuffix("-update") ? " (update)" : (switches == .mos ? " (tran, mos switches)" : " (tran)")
            return OutputCheck(deck: d.path, layer: d.layer + label, node: o.node, simulated: v, ngspice: nil, digital: o.digital, profile: o.profile)
        }
    }

    /// `v(name)` → `name`.
    static func node(of probe: String, deck: String) throws -> String {
        let p = probe.lowercased()
        guard p.hasPrefix("v("), p.hasSuffix(")") else {
            throw VerificationError.badInput("\(deck): output '\(probe)' is not of the form v(node)")
        }
        return String(p.dropFirst(2).dropLast())
    }
}

/// Runs a deck in ngspice (`ngspice -b -r RAW DECK`, ASCII rawfile) and reads its operating point.
public enum NgspiceRunner {
    /// Probe (`v(node)`, lower case) → value of the deck's `.op`.
    /// For a `.tran` deck, the values at the time point nearest `time` (the last without one).
    public static func run(deck: String, executable: String = "ngspice", time: Double? = nil) throws -> [String: Double] {
        let raw = NSTemporaryDirectory() + "kelvin-verify-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max)).raw"
        defer { try? FileManager.default.removeItem(atPath: raw) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable, "-b", "-r", raw, deck]
        var environment = ProcessInfo.processInfo.environment
        environment["SPICE_ASCIIRAWFILE"] = "1"
        process.environment = environment
        let sink = Pipe()
        process.standardOutput = sink
        process.standardError = sink
        do { try process.run() } catch {
            throw VerificationError.badInput("cannot run \(executable): \(error.localizedDescription)")
        }
        let output = sink.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, let results = try? Rawfile.read(path: raw), let op = results.first else {
            let tail = String(decoding: output, as: UTF8.self).split(separator: "\n").suffix(5).joined(separator: " | ")
            throw VerificationError.deckFailed(deck: deck, reason: "ngspice failed (status \(process.terminationStatus)): \(tail)")
        }
        var row = 0
        if let times = op.column("time"), !times.isEmpty {
            row = time.map { t in times.indices.min { abs(times[$0] - t) < abs(times[$1] - t) }! } ?? times.count - 1
        }
        var values = [String: Double]()
        for (k, name) in op.variables.enumerated() {
            let key = name.lowercased()
            values[key.hasPrefix("v(") || key.hasPrefix("i(") ? key : "v(\(key))"] = op.rows[row][k]
        }
        return values
    }
}
