import Compiler
import Foundation

extension Verifier {
    /// Verifies every model of a multi-model compile (`models.json`): each model's folder as
    /// `verify` would, its checks named by model (`m1/decks/…`, layer `m1/3`). `options.layer`
    /// takes `m1/3` (that model's layer) or `3` (layer 3 of every model that has it).
    static func verify(models set: ModelSet, directory: String, options: VerifyOptions) throws -> VerificationResult {
        var selected = [(ModelSet.Entry, VerifyOptions)]()
        for entry in set.models {
            var o = options
            if let layer = options.layer {
                if layer.hasPrefix(entry.name + "/") { o.layer = String(layer.dropFirst(entry.name.count + 1)) }
                else if layer.contains("/") { continue }
                else {
                    let manifest: Manifest
                    do { manifest = try Manifest(path: directory + "/" + entry.folder + "/manifest.json") } catch { throw VerificationError.badInput("\(error)") }
                    if !manifest.decks.contains(where: { $0.layer == layer }) { continue }
                }
            }
            selected.append((entry, o))
        }
        guard !selected.isEmpty else {
            var layers = [String]()
            for entry in set.models {
                let manifest = try? Manifest(path: directory + "/" + entry.folder + "/manifest.json")
                for d in manifest?.decks ?? [] where !layers.contains(entry.name + "/" + d.layer) { layers.append(entry.name + "/" + d.layer) }
            }
            throw VerificationError.badInput("no decks of layer '\(options.layer ?? "")' in \(directory) (models \(set.models.map(\.name).joined(separator: ", ")); "
                + "layers: \(layers.joined(separator: ", ")))")
        }
        var checks = [OutputCheck](), decks = 0, kelvin = 0.0, ngspice: Double? = nil, fullScale = 0.0
        for (entry, o) in selected {
            let r: VerificationResult
            do { r = try verify(directory: directory + "/" + entry.folder, options: o) } catch let e as VerificationError {
                throw VerificationError.badInput("model \(entry.name) (\(entry.checkpoint)): \(e)")
            }
            checks += r.checks.map { c in
                var c = c
                c.deck = entry.folder + "/" + c.deck
                c.layer = entry.name + "/" + c.layer
                return c
            }
            decks += r.decks
            kelvin += r.kelvinSeconds
            if let s = r.ngspiceSeconds { ngspice = (ngspice ?? 0) + s }
            fullScale = max(fullScale, r.fullScale)
        }
        return VerificationResult(checks: checks, decks: decks, fullScale: fullScale, tolerance: options.tolerance,
                                  kelvinSeconds: kelvin, ngspiceSeconds: ngspice)
    }

    /// `--chain` on a multi-model compile: each model's images through its own modules
    /// (`chain(directory:images:)` on its folder), by model name.
    public static func chain(models directory: String, images: Int? = nil) throws -> [(model: String, result: ChainResult)] {
        let set: ModelSet
        do {
            guard let s = try ModelSet.of(directory: directory) else {
                throw VerificationError.badInput("\(directory)/\(ModelSet.fileName): no such file (not a multi-model compile)")
            }
            set = s
        } catch let e as VerificationError { throw e } catch { throw VerificationError.badInput("\(error)") }
        return try set.models.map { entry in
            do { return (entry.name, try chain(directory: directory + "/" + entry.folder, images: images)) } catch let e as VerificationError {
                throw VerificationError.badInput("model \(entry.name) (\(entry.checkpoint)): \(e)")
            }
        }
    }
}
