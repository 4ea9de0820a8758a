import Foundation

/// ngspice's ASCII rawfile: plots one after another, each a header
/// (`Title`, `Date`, `Plotname`, `Flags: real`, `No. Variables`, `No. Points`), a `Variables:` list
/// (`index name type`) and `Values:` (per point: the index and the scale value on one line, then
/// one tab-indented value per line). Names follow ngspice: the sweep scale is written `v(v-sweep)`
/// or `i(i-sweep)`; types are `voltage`, `current`, `time`, `frequency`.
public enum Rawfile {
    public static func string(_ results: [SimulationResult], date: Date = Date()) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE MMM d HH:mm:ss  yyyy"
        let stamp = formatter.string(from: date)
        var out = ""
        for r in results {
            if let pairs = complexPairs(r) {
                out += complexPlot(r, pairs: pairs, stamp: stamp)
                continue
            }
            out += "Title: \(r.title)\n"
            out += "Date: \(stamp)\n"
            out += "Plotname: \(r.plotName)\n"
            out += "Flags: real\n"
            out += "No. Variables: \(r.variables.count)\n"
            out += "No. Points: \(r.rows.count)\n"
            out += "Variables:\n"
            for (k, v) in r.variables.enumerated() {
                let (name, type) = rawName(v)
                out += "\t\(k)\t\(name)\t\(type)\n"
            }
            out += "Values:\n"
            for (p, row) in r.rows.enumerated() {
                for (k, value) in row.enumerated() {
                    let number = CNumberFormat.string(value, .e15)
                    out += k == 0 ? " \(p)\t\(number)\n" : "\t\(number)\n"
                }
                out += "\n"
            }
        }
        return out
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
    static func complexPlot(_ r: SimulationResult, pairs: [(String, String, Int, Int)], stamp: String) -> String {
        var out = "Title: \(r.title)\n"
        out += "Date: \(stamp)\n"
        out += "Plotname: \(r.plotName)\n"
        out += "Flags: complex\n"
        out += "No. Variables: \(pairs.count + 1)\n"
        out += "No. Points: \(r.rows.count)\n"
        out += "Variables:\n"
        out += "\t0\tfrequency\tfrequency\tgrid=3\n"
        for (k, pair) in pairs.enumerated() { out += "\t\(k + 1)\t\(pair.0)\t\(pair.1)\n" }
        out += "Values:\n"
        for (p, row) in r.rows.enumerated() {
            out += " \(p)\t\(CNumberFormat.string(row[0], .e15)),\(CNumberFormat.string(0, .e15))\n"
            for pair in pairs {
                out += "\t\(CNumberFormat.string(row[pair.2], .e15)),\(CNumberFormat.string(row[pair.3], .e15))\n"
            }
            out += "\n"
        }
        return out
    }

    public static func write(_ rs: [SimulationResult], to path: String) throws {
        do {
            try string(rs).write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw SimulatorError.io(path: path, reason: "cannot write rawfile (\(error.localizedDescription))")
        }
    }

    /// Reads an ASCII rawfile (Kelvin's or ngspice's) back into results, named per plot kind
    /// (`op1`, `dc1`, ...) in file order. Vector names map back to Kelvin's: `v(v-sweep)` → `v-sweep`,
    /// `name#branch` → `i(name)`, bare node names → `v(node)`.
    public static func read(path: String) throws -> [SimulationResult] {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw SimulatorError.io(path: path, reason: "cannot read rawfile (\(error.localizedDescription))")
        }
        return try parse(text, path: path)
    }

    static func parse(_ text: String, path: String) throws -> [SimulationResult] {
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
            var variables: [String] = []
            for k in 0..<nv {
                guard i < lines.count else { throw fail("truncated variable list") }
                let fields = lines[i].split(whereSeparator: { $0 == " " || $0 == "\t" })
                guard fields.count >= 3 else { throw fail("bad variable line") }
                let name = kelvinName(String(fields[1]), type: String(fields[2]), index: k)
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
            let plotName = header["Plotname"] ?? ""
            let kind = plotKind(plotName)
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
        case "time": return ("time", "time")
        case "frequency": return ("frequency", "frequency")
        default: return (variable, variable.hasPrefix("i(") ? "current" : "voltage")
        }
    }

    static func kelvinName(_ raw: String, type: String, index: Int) -> String {
        let name = raw.lowercased()
        if name == "v(v-sweep)" || name == "i(i-sweep)" { return String(name.dropFirst(2).dropLast()) }
        if name.hasSuffix("#branch") { return "i(\(name.dropLast("#branch".count)))" }
        if name.hasPrefix("v(") || name.hasPrefix("i(") || index == 0 && (type == "time" || type == "frequency") {
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
        return "plot"
    }
}
