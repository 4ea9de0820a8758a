import Foundation
#if canImport(Glibc)
    import Glibc
#endif

/// ngspice's ASCII rawfile: plots one after another, each a header
/// (`Title`, `Date`, `Plotname`, `Flags: real`, `No. Variables`, `No. Points`), a `Variables:` list
/// (`index name type`) and `Values:` (per point: the index and the scale value on one line, then
/// one tab-indented value per line). Names follow ngspice: the sweep scale is written `v(v-sweep)`
/// or `i(i-sweep)` (`temp-sweep` of type `temp-sweep` for `.dc TEMP`); types are `voltage`,
/// `current`, `time`, `frequency`.
public enum Rawfile {
    public static func string(_ results: [SimulationResult], date: Date = Date()) -> String {
        let sink = ByteSink(fd: nil)
        encode(results, date: date, into: sink)
        sink.flush()
        return String(decoding: sink.collected, as: UTF8.self)
    }

    /// The rawfile text of `results`, streamed into `sink`: numbers are formatted straight into
    /// its buffer by `CNumberFormat.writeE15`. Measured on the 1000-section RC ladder's 572 k
    /// numbers: ≈ 75 ns a number, against ≈ 35–45 ns for the CSV writer's `%.12g` (16 digits and
    /// 1.6× the bytes) and ≈ 510 ns for the former `snprintf` + `String` building (1.25 µs in
    /// `kelvin sim`, with the whole text copied and written atomically).
    static func encode(_ results: [SimulationResult], date: Date, into sink: ByteSink) {
        let stamp = dateStamp(date)
        for r in results {
            if let pairs = complexPairs(r) {
                complexPlot(r, pairs: pairs, stamp: stamp, into: sink)
                continue
            }
            var header = plotHeader(r, stamp: stamp, flags: "real", variables: r.variables.count)
            for (k, v) in r.variables.enumerated() {
                let (name, type) = rawName(v)
                header += "\t\(k)\t\(name)\t\(type)\n"
            }
            header += "Values:\n"
            sink.write(header)
            for (p, row) in r.rows.enumerated() {
                row.withUnsafeBufferPointer { values in
                    for (k, value) in values.enumerated() {
                        if k == 0 {
                            sink.write(byte: UInt8(ascii: " "))
                            sink.write(integer: p)
                        }
                        sink.write(byte: UInt8(ascii: "\t"))
                        sink.write(e15: value)
                        sink.write(byte: UInt8(ascii: "\n"))
                    }
                }
                sink.write(byte: UInt8(ascii: "\n"))
            }
        }
    }

    /// ngspice's `Date:` line, `EEE MMM d HH:mm:ss  yyyy` in UTC, without `DateFormatter`
    /// (whose set-up cost 1.3 ms, a fifth of writing a small deck's rawfile).
    static func dateStamp(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        guard gmtime_r(&seconds, &parts) != nil else { return "" }
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(days[Int(parts.tm_wday) % 7]) \(months[Int(parts.tm_mon) % 12]) \(parts.tm_mday) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))  \(1900 + Int(parts.tm_year))"
    }

    /// For an AC result (`frequency`, then `vr(x)`, `vi(x)` / `ir(x)`, `ii(x)` pairs), the complex
    /// vectors as (rawfile name, type, real column, imaginary column); nil for a real plot.
    static func complexPairs(_ r: SimulationResult) -> [(String, String, Int, Int)]? {
        guard r.variables.first == "frequency", r.variables.count % 2 == 1, r.variables.count > 1 else { return nil }
        var pairs: [(String, String, Int, Int)] = []
        var k = 1
        while k < r.variables.count {
            let re = r.variables[k], im = r.variables[k + 1]
            guard re.count > 4, re.hasSuffix(")"), let kind = re.first, kind == "v" || kind == "i",
                  re.dropFirst().hasPrefix("r("), im == "\(kind)i(" + re.dropFirst(3)
            else { return nil }
            pairs.append(("\(kind)(" + re.dropFirst(3), kind == "v" ? "voltage" : "current", k, k + 1))
            k += 2
        }
        return pairs
    }

    /// An ngspice complex plot (`Flags: complex`, values written `re,im`; the frequency scale with a
    /// zero imaginary part), which ngspice's `load` reads.
    /// A plot's header lines up to `Variables:` (ngspice's rawfile layout).
    static func plotHeader(_ r: SimulationResult, stamp: String, flags: String, variables: Int) -> String {
        "Title: \(r.title)\nDate: \(stamp)\nPlotname: \(r.plotName)\nFlags: \(flags)\n"
            + "No. Variables: \(variables)\nNo. Points: \(r.rows.count)\nVariables:\n"
    }

    static func complexPlot(_ r: SimulationResult, pairs: [(String, String, Int, Int)], stamp: String, into sink: ByteSink) {
        var out = plotHeader(r, stamp: stamp, flags: "complex", variables: pairs.count + 1)
        out += "\t0\tfrequency\tfrequency\tgrid=3\n"
        for (k, pair) in pairs.enumerated() { out += "\t\(k + 1)\t\(pair.0)\t\(pair.1)\n" }
        out += "Values:\n"
        sink.write(out)
        for (p, row) in r.rows.enumerated() {
            sink.write(byte: UInt8(ascii: " "))
            sink.write(integer: p)
            sink.write(byte: UInt8(ascii: "\t"))
            sink.write(e15: row[0])
            sink.write(byte: UInt8(ascii: ","))
            sink.write(e15: 0)
            sink.write(byte: UInt8(ascii: "\n"))
            for pair in pairs {
                sink.write(byte: UInt8(ascii: "\t"))
                sink.write(e15: row[pair.2])
                sink.write(byte: UInt8(ascii: ","))
                sink.write(e15: row[pair.3])
                sink.write(byte: UInt8(ascii: "\n"))
            }
            sink.write(byte: UInt8(ascii: "\n"))
        }
    }

    /// Writes the rawfile at `path` (created or replaced, `OutputFile.create`), streamed through one buffer.
    public static func write(_ rs: [SimulationResult], to path: String) throws {
        let fd = OutputFile.create(path)
        guard fd >= 0 else {
            throw SimulatorError.io(path: path, reason: "cannot write rawfile (\(String(cString: strerror(errno))))")
        }
        defer { close(fd) }
        let sink = ByteSink(fd: fd)
        encode(rs, date: Date(), into: sink)
        sink.flush()
        if let failure = sink.failure {
            throw SimulatorError.io(path: path, reason: "cannot write rawfile (\(String(cString: strerror(failure))))")
        }
    }

    /// Reads an ASCII rawfile (Kelvin's or ngspice's) back into results, named per plot kind
    /// (`op1`, `dc1`, ...) in file order. Vector names map back to Kelvin's: `v(v-sweep)` → `v-sweep`,
    /// `name#branch` → `i(name)`, bare node names → `v(node)`.
    public static func read(path: String) throws -> [SimulationResult] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SimulatorError.io(path: path, reason: "cannot read rawfile (no such file, or unreadable)")
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw SimulatorError.io(path: path, reason: "cannot read rawfile (not UTF-8 text; only ASCII rawfiles are read)")
        }
        return try parse(text, path: path)
    }

    /// Parses rawfile text; `path` names it in errors.
    public static func parse(_ text: String, path: String) throws -> [SimulationResult] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { String($0) }
        var results: [SimulationResult] = []
        var counts: [String: Int] = [:]
        var i = 0
        func fail(_ reason: String) -> SimulatorError { .malformedRawfile(path: path, line: i + 1, reason: reason) }
        while i < lines.count {
            if lines[i].trimmingCharacters(in: .whitespaces).isEmpty { i += 1; continue }
            var header: [String: String] = [:]
            while i < lines.count, !lines[i].hasPrefix("Variables:") {
                let line = lines[i]
                if let colon = line.firstIndex(of: ":") {
                    let key = String(line[..<colon]).trimmingCharacters(in: .whitespaces)
                    header[key] = String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
                }
                i += 1
            }
            guard i < lines.count else { throw fail("missing 'Variables:'") }
            i += 1
            guard let nv = header["No. Variables"].flatMap({ Int($0) }), let np = header["No. Points"].flatMap({ Int($0) })
            else { throw fail("missing variable or point count") }
            guard nv > 0, np >= 0 else { throw fail("bad variable or point count") }
            let isComplex = header["Flags"]?.contains("complex") ?? false
            let plotName = header["Plotname"] ?? ""
            let kind = plotKind(plotName)
            var variables: [String] = []
            for k in 0..<nv {
                guard i < lines.count else { throw fail("truncated variable list") }
                let fields = lines[i].split(whereSeparator: { $0 == " " || $0 == "\t" })
                guard fields.count >= 3 else { throw fail("bad variable line") }
                let name = Self.namedKinds.contains(kind)
                    ? namedValue(String(fields[1])) : kelvinName(String(fields[1]), type: String(fields[2]), index: k)
                if isComplex && k > 0, let kind = name.first {
                    // v(x) → vr(x), vi(x); i(x) → ir(x), ii(x).
                    let inner = name.dropFirst()
                    variables += ["\(kind)r\(inner)", "\(kind)i\(inner)"]
                } else {
                    variables.append(name)
                }
                i += 1
            }
            guard i < lines.count, lines[i].hasPrefix("Values:") else { throw fail("missing 'Values:'") }
            i += 1
            var tokens: [Double] = []
            let needed = (variables.count + 1) * np
            while tokens.count < needed {
                guard i < lines.count else { throw fail("truncated values") }
                for t in lines[i].split(whereSeparator: { $0 == " " || $0 == "\t" }) {
                    if isComplex, t.contains(",") {
                        // A complex value "re,im"; the scale (first of a point) keeps only its real part.
                        let parts = t.split(separator: ",")
                        guard parts.count == 2, let re = Double(parts[0]), let im = Double(parts[1]) else {
                            throw fail("bad complex number '\(t)'")
                        }
                        tokens.append(re)
                        if tokens.count % (variables.count + 1) != 2 { tokens.append(im) }
                        continue
                    }
                    guard let v = Double(t) else { throw fail("bad number '\(t)'") }
                    tokens.append(v)
                }
                i += 1
            }
            var rows: [[Double]] = []
            let width = variables.count
            for p in 0..<np {
                let base = p * (width + 1)
                rows.append(Array(tokens[(base + 1)..<(base + 1 + width)]))
            }
            let n = (counts[kind] ?? 0) + 1
            counts[kind] = n
            results.append(SimulationResult(
                name: "\(kind)\(n)", plotName: plotName, title: header["Title"] ?? "", variables: variables,
                rows: rows, newtonIterations: 0))
        }
        return results
    }

    /// ngspice's rawfile name and type for a Kelvin variable.
    static func rawName(_ variable: String) -> (String, String) {
        switch variable {
        case "v-sweep": return ("v(v-sweep)", "voltage")
        case "i-sweep": return ("i(i-sweep)", "current")
        case "temp-sweep": return ("temp-sweep", "temp-sweep")
        case "time": return ("time", "time")
        case "frequency": return ("frequency", "frequency")
        case "onoise_spectrum", "inoise_spectrum": return (variable, "voltage-density")
        default: return (variable, variable.hasPrefix("i(") ? "current" : "voltage")
        }
    }

    /// Plot kinds whose vectors are named values (`.tf`, `.sens`, `.noise`), not nodes and branches.
    static let namedKinds: Set<String> = ["tf", "sens", "noise"]

    /// A named value as Kelvin names it: lower case, without ngspice's `v(...)`/`i(...)` wrapper
    /// (`v(Transfer_function)` → `transfer_function`, `i(inoise_total)` → `inoise_total`).
    static func namedValue(_ raw: String) -> String {
        let name = raw.lowercased()
        if name.count > 3, name.hasPrefix("v(") || name.hasPrefix("i("), name.hasSuffix(")") {
            return String(name.dropFirst(2).dropLast())
        }
        return name
    }

    static func kelvinName(_ raw: String, type: String, index: Int) -> String {
        let name = raw.lowercased()
        if name == "v(v-sweep)" || name == "i(i-sweep)" { return String(name.dropFirst(2).dropLast()) }
        if name.hasSuffix("#branch") { return "i(\(name.dropLast("#branch".count)))" }
        if name.hasPrefix("v(") || name.hasPrefix("i(") || index == 0 && (type == "time" || type == "frequency" || type == "temp-sweep") {
            return name
        }
        return type == "current" ? "i(\(name))" : "v(\(name))"
    }

    static func plotKind(_ plotName: String) -> String {
        let p = plotName.lowercased()
        if p.hasPrefix("operating point") { return "op" }
        if p.hasPrefix("dc transfer") { return "dc" }
        if p.hasPrefix("transient") { return "tran" }
        if p.hasPrefix("ac") { return "ac" }
        if p.hasPrefix("noise") || p.hasPrefix("integrated noise") { return "noise" }
        if p.hasPrefix("transfer function") { return "tf" }
        if p.hasPrefix("sensitivity") { return "sens" }
        return "plot"
    }
}
