import Foundation

/// The rawfile `write` produces from a plot: ngspice's header, then `Values:` (ASCII, the numbers
/// as Kelvin's `Rawfile` writes them) or `Binary:` (little-endian float64, a complex value as two).
enum ControlRawfile {
    static func rawName(_ v: ControlVector, plot: Plot) -> (String, String) {
        if v.name == plot.scale?.name {
            switch v.name {
            case "time": return ("time", "time")
            case "frequency": return ("frequency", "frequency")
            case "i-sweep": return ("i(i-sweep)", "current")
            case "temp-sweep": return ("temp-sweep", "temp-sweep")
            default: return ("v(v-sweep)", "voltage")
            }
        }
        switch v.type {
        case "voltage": return ("v(\(v.name))", "voltage")
        case "current": return (v.name.hasSuffix("#branch") ? "i(\(v.name.dropLast(7)))" : v.name, "current")
        default: return (v.name, v.type)
        }
    }

    static func data(_ plot: Plot, binary: Bool) -> Data {
        let complex = plot.vectors.contains { $0.isComplex }
        let points = plot.vectors.map(\.count).max() ?? 0
        var header = "Title: \(plot.title)\nDate: \(plot.date)\nPlotname: \(plot.typeName)\n"
        header += "Flags: \(complex ? "complex" : "real")\nNo. Variables: \(plot.vectors.count)\nNo. Points: \(points)\n"
        header += "Variables:\n"
        for (k, v) in plot.vectors.enumerated() {
            let (name, type) = rawName(v, plot: plot)
            header += "\t\(k)\t\(name)\t\(type)\(k == 0 && type == "frequency" && plot.logarithmicScale ? " grid=3" : "")\n"
        }
        func value(_ v: ControlVector, _ j: Int) -> (Double, Double) {
            let i = v.count == 1 ? 0 : j
            guard i < v.count else { return (0, 0) }
            return (v.re[i], v.im?[i] ?? 0)
        }
        if binary {
            var data = Data((header + "Binary:\n").utf8)
            var numbers: [Double] = []
            numbers.reserveCapacity(points * plot.vectors.count * (complex ? 2 : 1))
            for j in 0..<points {
                for v in plot.vectors {
                    let (re, im) = value(v, j)
                    numbers.append(re)
                    if complex { numbers.append(im) }
                }
            }
            numbers.withUnsafeBytes { data.append(contentsOf: $0) }
            return data
        }
        var text = header + "Values:\n"
        for j in 0..<points {
            for (k, v) in plot.vectors.enumerated() {
                let (re, im) = value(v, j)
                let number = complex ? "\(CNumberFormat.string(re, .e15)),\(CNumberFormat.string(im, .e15))"
                    : CNumberFormat.string(re, .e15)
                text += k == 0 ? " \(j)\t\(number)\n" : "\t\(number)\n"
            }
            text += "\n"
        }
        return Data(text.utf8)
    }
}
