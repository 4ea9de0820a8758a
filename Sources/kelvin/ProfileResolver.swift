import Characterization
import Foundation
import LinearAlgebra
import NN
import TransferCurves

/// Turns a profile name or file into an `AnalogProfile`: reads the document and resolves every
/// table it names — a `.lut` path, or a cell characterised from its netlist on first use and
/// cached under `$XDG_CACHE_HOME/kelvin` (default `~/.cache/kelvin`), keyed by the SHA-256 of the
/// netlist, the files it includes and the characterisation settings — so NN never needs the simulator.
struct ProfileResolver {
    /// Directory of the named cells (`--cells`); nil searches `CellDirectories`.
    var cells: String?
    /// Monte Carlo instances and tolerances of a cell characterised for a profile.
    var monteCarlo = 100
    var tolerances = "R=0.1%,VTO=0.5%,KP=1%,IS=1%"
    var log: (String) -> Void = { printErr($0 + "\n") }

    /// The cache directory.
    static var cacheDirectory: String {
        let env = ProcessInfo.processInfo.environment
        if let xdg = env["XDG_CACHE_HOME"], !xdg.isEmpty { return xdg + "/kelvin" }
        return (env["HOME"] ?? NSTemporaryDirectory()) + "/.cache/kelvin"
    }

    /// The settings of a built-in profile or a JSON file, and where they came from.
    func settings(_ name: String) throws -> (settings: AnalogSettings, origin: String) {
        if let builtin = try AnalogSettings.builtin(name) { return (builtin, "built-in profile '\(name)'") }
        guard name.hasSuffix(".json") || FileManager.default.fileExists(atPath: name) else {
            throw NNError.invalidArgument("unknown profile '\(name)' (built-in: \(AnalogSettings.builtinDocuments.keys.sorted().joined(separator: ", ")); or a .json file)")
        }
        guard let data = FileManager.default.contents(atPath: name) else { throw NNError.fileNotFound(path: name) }
        return (try AnalogSettings(json: data, path: name), name)
    }

    /// The profile `name` (built-in or file) with its tables resolved, for chip `chipSeed`.
    func profile(_ name: String, chipSeed: UInt64 = 0) throws -> AnalogProfile {
        let (settings, origin) = try self.settings(name)
        return try profile(settings, origin: origin, chipSeed: chipSeed)
    }

    func profile(_ settings: AnalogSettings, origin: String, chipSeed: UInt64) throws -> AnalogProfile {
        var tables = [String: LookupTable](), hashes = [String: String]()
        let base = (origin as NSString).deletingLastPathComponent
        for name in settings.tableNames where tables[name] == nil {
            let (table, hash) = try resolve(name, relativeTo: base, origin: origin)
            tables[name] = table
            hashes[name] = hash
        }
        return try AnalogProfile(settings: settings, tables: tables, hashes: hashes, chipSeed: chipSeed, path: origin)
    }

    /// A table and the SHA-256 of its file.
    func resolve(_ name: String, relativeTo base: String, origin: String) throws -> (LookupTable, String) {
        if name.hasSuffix(".lut") {
            let path = name.hasPrefix("/") || base.isEmpty || FileManager.default.fileExists(atPath: name) ? name : base + "/" + name
            guard let data = FileManager.default.contents(atPath: path) else {
                throw NNError.mismatch(path: origin, reason: "table '\(name)': no such file \(path)")
            }
            return (try LookupTable.read(from: path), SHA256.hex(Array(data)))
        }
        let netlist: String
        do { netlist = try CellDirectories.path(cell: name, explicit: cells) } catch {
            throw NNError.mismatch(path: origin, reason: "table '\(name)' is neither a .lut file nor a cell: \(error)")
        }
        let cache = try cachedTable(cell: name, netlist: netlist)
        let data = FileManager.default.contents(atPath: cache) ?? Data()
        return (try LookupTable.read(from: cache), SHA256.hex(Array(data)))
    }

    /// The path of the cell's cached table, characterising it first when it is missing or unreadable.
    func cachedTable(cell name: String, netlist: String) throws -> String {
        var key = Array((try? Data(contentsOf: URL(fileURLWithPath: netlist))) ?? Data())
        let spec = try CellSpec.load(netlist: netlist, name: name)
        let characterizer = try Characterizer(spec: spec)
        for (path, hash) in characterizer.includedHashes().sorted(by: { $0.key < $1.key }) { key += Array((path + hash).utf8) }
        key += Array("mc=\(monteCarlo) tol=\(tolerances) lut=\(LookupTable.formatVersion)".utf8)
        let digest = SHA256.hex(key)
        let directory = Self.cacheDirectory
        let path = directory + "/\(name)-\(digest.prefix(16)).lut"
        if FileManager.default.fileExists(atPath: path) {
            if (try? LookupTable.read(from: path)) != nil { return path }
            log("kelvin: note: cached table \(path) is unreadable; characterising \(name) again")
        }
        do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
            throw NNError.writeFailed(path: directory, reason: "\(error)")
        }
        log("kelvin: characterising \(name) for the profile (\(monteCarlo) Monte Carlo instances, \(tolerances)) into \(path)")
        BLASThreading.set(1)
        let options = CharacterizationOptions(
            monteCarloInstances: monteCarlo, tolerances: try Tolerances.parse(tolerances), seed: 1, fitTarget: 1e-3,
            gainFitRange: nil, command: "kelvin profile (cell \(name))")
        let table = try characterizer.characterize(options: options)
        try table.write(to: path)
        return path
    }
}
