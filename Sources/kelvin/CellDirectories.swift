import Characterization
import Foundation

/// Where named cells (`NAME.cir`) are looked for, in order, unless `--cells DIR` names the one
/// folder: every folder of `KELVIN_CELLS` (a `:`-separated list), `./netlists`, then the folders
/// installed beside the binary (`BINDIR/netlists`, `BINDIR/../share/kelvin/netlists`).
enum CellDirectories {
    /// The folders searched, in order (only `explicit` when given).
    static func search(
        explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
        executable: String? = Bundle.main.executablePath
    ) -> [String] {
        if let explicit { return [explicit] }
        var folders = (environment["KELVIN_CELLS"] ?? "").split(separator: ":").map(String.init).filter { !$0.isEmpty }
        folders.append("netlists")
        if let executable {
            let bin = (URL(fileURLWithPath: executable).resolvingSymlinksInPath().path as NSString).deletingLastPathComponent
            folders += [bin + "/netlists", ((bin as NSString).deletingLastPathComponent as NSString)
                .appendingPathComponent("share/kelvin/netlists")]
        }
        var seen = Set<String>()
        return folders.filter { seen.insert(URL(fileURLWithPath: $0).standardizedFileURL.path).inserted }
    }

    /// The folder holding `NAME.cir` (the first of `search`), or nil.
    static func folder(containing name: String, explicit: String?) -> String? {
        search(explicit: explicit).first { FileManager.default.fileExists(atPath: ($0 as NSString).appendingPathComponent("\(name).cir")) }
    }

    /// The first folder of `search` that exists (for listings), or `netlists`.
    static func firstExisting(explicit: String?) -> String {
        var isDirectory: ObjCBool = false
        return search(explicit: explicit).first { FileManager.default.fileExists(atPath: $0, isDirectory: &isDirectory) && isDirectory.boolValue }
            ?? explicit ?? "netlists"
    }

    /// The netlist of cell `name`; an unknown cell's error lists every folder searched and the
    /// cells found in them.
    static func path(cell name: String, explicit: String?) throws -> String {
        if let folder = folder(containing: name, explicit: explicit) {
            return try CellSpec.path(cell: name, directory: folder)
        }
        let folders = search(explicit: explicit)
        var available = Set<String>()
        for folder in folders {
            for file in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where file.hasSuffix(".cir") {
                available.insert(String(file.dropLast(4)))
            }
        }
        let searched = folders.map { ($0 as NSString).appendingPathComponent("\(name).cir") }.joined(separator: ", ")
            + (explicit == nil ? " (--cells DIR or KELVIN_CELLS=DIR:... add folders)" : "")
        throw CharacterizationError.unknownCell(name: name, searched: searched, available: available.sorted())
    }
}
