import Foundation

/// A JSON file that `kelvin compile` writes and `kelvin verify` reads back (`manifest.json`,
/// `network.json`, `schedule.json`, `report.json`).
public protocol CompileFile: Codable {
    /// What the file is, for errors: `a compile manifest`.
    static var fileKind: String { get }
    /// What to say when the file is missing: `is this a kelvin compile folder?`.
    static var missingHint: String { get }
    /// How `json()` lays the text out (default: sorted keys, one line).
    static var jsonFormatting: JSONEncoder.OutputFormatting { get }
}

extension CompileFile {
    public static var missingHint: String { "is this a kelvin compile folder?" }
    public static var jsonFormatting: JSONEncoder.OutputFormatting { [.sortedKeys] }

    /// The file's JSON text, with a final newline.
    public func json() throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = Self.jsonFormatting
        return String(decoding: try e.encode(self), as: UTF8.self) + "\n"
    }

    /// Reads `path`; a missing or malformed file is a `CompilerError.invalidOption` naming it.
    public init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CompilerError.invalidOption("\(path): no such file (\(Self.missingHint))")
        }
        do { self = try JSONDecoder().decode(Self.self, from: data) } catch {
            throw CompilerError.invalidOption("\(path): not \(Self.fileKind): \(error)")
        }
    }
}
