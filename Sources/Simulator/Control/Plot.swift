import Foundation

/// A named vector of a plot, real or complex, as ngspice's front end holds them.
public struct ControlVector: Sendable, Equatable {
    /// ngspice's name: a node `out`, a branch `v1#branch`, a scale `time`, or a `let` name.
    public var name: String
    public var re: [Double]
    /// The imaginary parts of a complex vector (`.ac` results); nil for a real vector.
    public var im: [Double]?
    /// ngspice's vector type: `voltage`, `current`, `time`, `frequency`, or `notype` (a `let` result).
    public var type: String

    public init(name: String, re: [Double], im: [Double]? = nil, type: String = "notype") {
        self.name = name
        self.re = re
        self.im = im
        self.type = type
    }

    public var isComplex: Bool { im != nil }
    public var count: Int { re.count }
}

/// One analysis result as the `.control` interpreter sees it (ngspice's "plot"): `tran1`, `ac1`, ...
public struct Plot: Sendable {
    /// `op1`, `dc1`, `tran2`, `ac1`.
    public var name: String
    /// `Operating Point`, `DC transfer characteristic`, `Transient Analysis`, `AC Analysis`.
    public var typeName: String
    public var title: String
    /// `Fri Dec  4 17:31:18  2026`, as ngspice's plot date.
    public var date: String
    /// The vectors, the scale (if any) first.
    public var vectors: [ControlVector]
    /// Whether the first vector is the scale (`time`, `frequency`, `v-sweep`, `i-sweep`, `temp-sweep`).
    public var hasScale: Bool
    /// A logarithmic frequency scale (`.ac dec` or `oct`): ngspice's rawfile marks it `grid=3`.
    public var logarithmicScale = false

    /// The kind as in `.meas` and `.print`: `op`, `dc`, `tran`, `ac`.
    public var kind: String {
        String(name.prefix(while: { $0.isLetter }))
    }

    public var scale: ControlVector? { hasScale ? vectors.first : nil }

    /// The plot of an analysis result: `v(x)` becomes `x`, `i(v1)` becomes `v1#branch`, and an `.ac`
    /// result's `vr(x)`/`vi(x)` columns become one complex vector `x`.
    public init(result r: SimulationResult, date: String = Plot.date()) {
        name = r.name
        typeName = r.plotName
        title = r.title
        self.date = date
        hasScale = ["time", "frequency", "v-sweep", "i-sweep", "temp-sweep"].contains(r.variables.first ?? "")
        vectors = []
        let columns = (0..<r.variables.count).map { k in r.rows.map { $0[k] } }
        var k = 0
        while k < r.variables.count {
            let v = r.variables[k]
            if r.variables.first == "frequency", k > 0, k + 1 < r.variables.count,
                let kind = v.first, v.dropFirst().hasPrefix("r("),
                r.variables[k + 1] == "\(kind)i(" + v.dropFirst(3)
            {
                let inner = String(v.dropFirst(3).dropLast())
                vectors.append(ControlVector(
                    name: Self.internalName(kind == "v" ? "v(\(inner))" : "i(\(inner))"), re: columns[k],
                    im: columns[k + 1], type: kind == "v" ? "voltage" : "current"))
                k += 2
                continue
            }
            let type: String
            switch v {
            case "time", "frequency": type = v
            case "i-sweep": type = "current"
            case "temp-sweep": type = v
            default: type = v.hasPrefix("i(") ? "current" : "voltage"
            }
            // ngspice's `.ac` frequency is complex with a zero imaginary part (`print frequency[1]`
            // shows `f,0`).
            let complexScale = k == 0 && v == "frequency"
            vectors.append(ControlVector(
                name: Self.internalName(v), re: columns[k],
                im: complexScale ? Array(repeating: 0, count: columns[k].count) : nil, type: type))
            k += 1
        }
    }

    public init(name: String, typeName: String, title: String, date: String, vectors: [ControlVector],
                hasScale: Bool) {
        self.name = name
        self.typeName = typeName
        self.title = title
        self.date = date
        self.vectors = vectors
        self.hasScale = hasScale
    }

    /// ngspice's vector name for a Kelvin column: `v(x)` → `x`, `i(v1)` → `v1#branch`.
    static func internalName(_ column: String) -> String {
        if column.hasPrefix("v("), column.hasSuffix(")") { return String(column.dropFirst(2).dropLast()) }
        if column.hasPrefix("i("), column.hasSuffix(")") { return String(column.dropFirst(2).dropLast()) + "#branch" }
        return column
    }

    /// The key ngspice's `print all` sorts a vector by (byte-wise): its name as ngspice spells it.
    /// Names are lower case except the `.tf` plot's, which ngspice keeps in mixed case
    /// (`Transfer_function`, `v1#Input_impedance`, `output_impedance_at_V(out)`) and prints lower case.
    static func sortKey(_ name: String) -> [UInt8] {
        var spelled = name
        if name == "transfer_function" {
            spelled = "Transfer_function"
        } else if name.hasSuffix("#input_impedance") {
            spelled = name.dropLast("input_impedance".count) + "Input_impedance"
        } else if name.hasSuffix("#output_impedance") {
            spelled = name.dropLast("output_impedance".count) + "Output_impedance"
        } else if name.hasPrefix("output_impedance_at_v(") {
            spelled = "output_impedance_at_V(" + name.dropFirst("output_impedance_at_v(".count)
        }
        return Array(spelled.utf8)
    }

    /// The vector called `name` (ngspice's internal name), if any.
    public func vector(_ name: String) -> ControlVector? {
        vectors.first { $0.name == name }
    }

    /// Adds or replaces a vector; a new one goes first after the scale, as ngspice lists it.
    mutating func set(_ vector: ControlVector) {
        if let k = vectors.firstIndex(where: { $0.name == vector.name }) {
            vectors[k] = vector
        } else {
            vectors.insert(vector, at: hasScale ? 1 : 0)
        }
    }

    /// ngspice's plot date format, `Fri Dec  4 17:31:18  2026`.
    public static func date(_ date: Date = Date()) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "EEE MMM d HH:mm:ss  yyyy"
        var text = formatter.string(from: date)
        // C's asctime pads the day of the month to two characters.
        let parts = text.split(separator: " ", omittingEmptySubsequences: false)
        if parts.count > 2, parts[2].count == 1 {
            text = parts[0] + " " + parts[1] + "  " + parts[2...].joined(separator: " ")
        }
        return text
    }
}
