import Foundation

/// Writes a result as CSV: a header line with the variable names, then one line per point with
/// values printed `%.12g` (12 significant digits).
public enum CSVWriter {
    public static func string(_ r: SimulationResult) -> String {
        String(decoding: bytes(r), as: UTF8.self)
    }

    /// The CSV text as UTF-8 bytes, numbers written straight into one preallocated buffer.
    static func bytes(_ r: SimulationResult) -> [UInt8] {
        let header = Array((r.variables.joined(separator: ",") + "\n").utf8)
        let widest = r.rows.reduce(0) { max($0, $1.count) }
        let capacity = header.count + r.rows.count * (widest * (CNumberFormat.maxWidth + 1) + 1)
        return [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
            guard let base = buffer.baseAddress else { return }
            base.update(from: header, count: header.count)
            var n = header.count
            for row in r.rows {
                for (k, value) in row.enumerated() {
                    if k > 0 {
                        base[n] = UInt8(ascii: ",")
                        n += 1
                    }
                    n += CNumberFormat.writeG12(value, to: base + n)
                }
                base[n] = UInt8(ascii: "\n")
                n += 1
            }
            count = n
        }
    }

    public static func write(_ r: SimulationResult, to path: String) throws {
        do {
            try Data(bytes(r)).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw SimulatorError.io(path: path, reason: "cannot write CSV (\(error.localizedDescription))")
        }
    }
}
