import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes a result as CSV: a header line with the variable names, then one line per point with
/// values printed `%.12g` (12 significant digits). A name holding a comma or a quote (ngspice's
/// `.tf` output `output_impedance_at_v(a,b)`) is written in double quotes, quotes doubled (RFC 4180).
public enum CSVWriter {
    public static func string(_ r: SimulationResult) -> String {
        String(decoding: bytes(r), as: UTF8.self)
    }

    /// A variable name as a CSV field: quoted when it holds a comma or a quote.
    static func headerField(_ name: String) -> String {
        // Bytes, not `String.contains(_:)` (Foundation's locale-aware search: 4,000 instructions a name).
        guard name.utf8.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") }) else { return name }
        return "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// The header line (names, then a newline) as UTF-8 bytes. A loop rather than
    /// `joined(separator:)`, whose unspecialised generic code looks up `[String]: Sequence` at run
    /// time, a scan of every conformance record of the executable (~100,000 instructions) per process.
    static func header(_ variables: [String]) -> [UInt8] {
        var bytes: [UInt8] = []
        for (k, name) in variables.enumerated() {
            if k > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(contentsOf: headerField(name).utf8)
        }
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }

    /// The CSV text as UTF-8 bytes, numbers written straight into one preallocated buffer.
    static func bytes(_ r: SimulationResult) -> [UInt8] {
        let header = Self.header(r.variables)
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

    /// Writes the CSV file at `path` (created or replaced, `OutputFile.create`), streaming the text
    /// through one 256 KiB buffer with plain `write(2)` calls.
    ///
    /// Measured on the 1000-section RC ladder (8.4 MB of text): building the whole text, copying
    /// it into `Data` and writing it atomically (temporary file, `fsync`, rename) cost ~4 000
    /// page faults and a synchronous disk flush; streaming costs neither.
    public static func write(_ r: SimulationResult, to path: String) throws {
        let fd = OutputFile.create(path)
        guard fd >= 0 else {
            throw SimulatorError.io(path: path, reason: "cannot write CSV (\(String(cString: strerror(errno))))")
        }
        defer { close(fd) }
        let widest = r.rows.reduce(0) { max($0, $1.count) }
        let rowBytes = widest * (CNumberFormat.maxWidth + 1) + 1
        let header = Self.header(r.variables)
        let capacity = max(1 << 18, rowBytes, header.count)
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        defer { buffer.deallocate() }
        var n = 0
        /// Writes the first `n` buffered bytes out; false on a write error.
        func flush() -> Bool {
            var done = 0
            while done < n {
                let w = Glibc.write(fd, buffer + done, n - done)
                if w < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                done += w
            }
            n = 0
            return true
        }
        let tables = CNumberFormat.Tables.shared
        buffer.update(from: header, count: header.count)
        n = header.count
        for row in r.rows {
            if capacity - n < rowBytes, !flush() { break }
            row.withUnsafeBufferPointer { values in
                for (k, value) in values.enumerated() {
                    if k > 0 {
                        buffer[n] = UInt8(ascii: ",")
                        n += 1
                    }
                    n += CNumberFormat.writeG12(value, to: buffer + n, tables: tables)
                }
            }
            buffer[n] = UInt8(ascii: "\n")
            n += 1
        }
        guard flush() else {
            throw SimulatorError.io(path: path, reason: "cannot write CSV (\(String(cString: strerror(errno))))")
        }
    }
}
