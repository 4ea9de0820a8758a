import Foundation

/// Writes a result as CSV: a header line with the variable names, then one line per point with
/// values printed `%.12g` (12 significant digits).
public enum CSVWriter {
    public static func string(_ r: SimulationResult) -> String {
        String(decoding: bytes(r), as: UTF8.self)
    }

    /// The CSV text as UTF-8 bytes.
    static func bytes(_ r: SimulationResult) -> [UInt8] {
        var out = Array((r.variables.joined(separator: ",") + "\n").utf8)
        out.reserveCapacity(out.count + r.rows.count * (r.variables.count * 19 + 1))
        for row in r.rows {
            for (k, value) in row.enumerated() {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                CNumberFormat.append(value, .g12, to: &out)
            }
            out.append(UInt8(ascii: "\n"))
        }
        return out
    }

    public static func write(_ r: SimulationResult, to path: String) throws {
        do {
            try Data(bytes(r)).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw SimulatorError.io(path: path, reason: "cannot write CSV (\(error.localizedDescription))")
        }
    }
}
