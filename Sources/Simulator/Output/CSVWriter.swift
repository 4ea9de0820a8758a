import Foundation

/// Writes a result as CSV: a header line with the variable names, then one line per point with
/// values printed `%.12g` (12 significant digits).
public enum CSVWriter {
    public static func string(_ r: SimulationResult) -> String {
        var out = r.variables.joined(separator: ",") + "\n"
        for row in r.rows {
            out += row.map { String(format: "%.12g", $0) }.joined(separator: ",") + "\n"
        }
        return out
    }

    public static func write(_ r: SimulationResult, to path: String) throws {
        do {
            try string(r).write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw SimulatorError.io(path: path, reason: "cannot write CSV (\(error.localizedDescription))")
        }
    }
}
