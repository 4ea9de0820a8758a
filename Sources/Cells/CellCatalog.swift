import Foundation

/// The generated cells by name, as `kelvin characterize NAME [--param KEY=VALUE …]` finds them.
///
/// Every entry builds its generator from `KEY=VALUE` parameters (SPICE numbers such as `10k`;
/// lists separated by commas, e.g. `gains=1,2`); parameters not given keep the generator's
/// defaults, which are the cells in netlists/.
public enum CellCatalog {
    /// One generated cell: its name, its parameters and how to build it.
    public struct Entry: Sendable {
        public var name: String
        /// One line about the cell.
        public var summary: String
        /// The parameters it accepts, with their defaults, e.g. `inputs=4 pulldown=10k`.
        public var parameters: String
        /// Whether the default cell is a file in netlists/ (`kelvin cells write` writes those).
        public var isNetlistFile: Bool
        let make: @Sendable (Parameters) throws -> any Cell
    }

    /// Every generator, sorted by name.
    public static let entries: [Entry] = [
        Entry(name: "crossbar_4x4", summary: Crossbar().summary, parameters: "feedback=10k", isNetlistFile: true) { p in
            Crossbar(feedback: try p.number("feedback", 10e3, above: 0))
        },
        Entry(name: "crossbar_32x32", summary: RandomCrossbar().summary, parameters: "size=32 seed=3", isNetlistFile: true) { p in
            RandomCrossbar(size: try p.integer("size", 32, in: 1...256), seed: UInt32(try p.integer("seed", 3, in: 0...1_000_000)))
        },
        Entry(name: "max_circuit", summary: MaxCircuit().summary, parameters: "inputs=4 pulldown=10k", isNetlistFile: true) { p in
            MaxCircuit(inputs: try p.integer("inputs", 4, in: 1...64), pulldown: try p.number("pulldown", 10e3, above: 0))
        },
        Entry(
            name: "nmos_vcr_amplifier", summary: VCRWeightCell().summary, parameters: "width=10u length=1u kp=100u vto=1 feedback=10k",
            isNetlistFile: true
        ) { p in
            VCRWeightCell(
                width: try p.number("width", 10e-6, above: 0), length: try p.number("length", 1e-6, above: 0),
                kp: try p.number("kp", 100e-6, above: 0), vto: try p.number("vto", 1), feedback: try p.number("feedback", 10e3, above: 0))
        },
        Entry(name: "precision_rectifier", summary: PrecisionRectifier().summary, parameters: "input=10k feedback=10k is=1e-14 rs=1", isNetlistFile: true) { p in
            PrecisionRectifier(
                input: try p.number("input", 10e3, above: 0), feedback: try p.number("feedback", 10e3, above: 0),
                saturationCurrent: try p.number("is", 1e-14, above: 0), seriesResistance: try p.number("rs", 1, above: -1e-300))
        },
        Entry(
            name: "resistor", summary: ResistorCell().summary,
            parameters: "feedback=10k weight=0.51 wmin=0.02 wmax=1 (or resistance=R: weight = feedback/R)", isNetlistFile: true
        ) { p in
            let feedback = try p.number("feedback", 10e3, above: 0)
            let weight = p.values["resistance"] != nil
                ? feedback / (try p.number("resistance", 10e3, above: 0)) : try p.number("weight", 0.51, above: 0)
            let (lo, hi) = (try p.number("wmin", 0.02, above: 0), try p.number("wmax", 1, above: 0))
            guard lo < hi else {
                throw CellsError.badParameter(cell: p.cell, parameter: "wmax", reason: "need wmin < wmax, got \(lo) and \(hi)")
            }
            return ResistorCell(feedback: feedback, weight: weight, weightRange: lo...hi)
        },
        Entry(
            name: "sample_hold_weight", summary: SampleHold().summary,
            parameters: "capacitance=1n leakage=1g ron=100 roff=1e12 (or mos_width=W mos_length=L)",
            isNetlistFile: true
        ) { p in
            let mos = p.values["mos_width"] != nil || p.values["mos_length"] != nil
            let kind: Switch.Kind =
                mos
                ? .mos(width: try p.number("mos_width", 10e-6, above: 0), length: try p.number("mos_length", 1e-6, above: 0))
                : .ideal(ron: try p.number("ron", 100, above: 0), roff: try p.number("roff", 1e12, above: 0))
            return SampleHold(
                capacitance: try p.number("capacitance", 1e-9, above: 0), switch: Switch(kind),
                leakage: try p.number("leakage", 1e9, above: 0))
        },
        Entry(name: "summing_amplifier", summary: Summer().summary, parameters: "gains=1,0.5,0.2 feedback=10k held=1,-2", isNetlistFile: true) { p in
            let gains = try p.list("gains", [1, 0.5, 0.2])
            guard !gains.isEmpty, gains.allSatisfy({ $0 > 0 && $0.isFinite }) else {
                throw CellsError.badParameter(cell: p.cell, parameter: "gains", reason: "need one or more gains > 0")
            }
            return Summer(gains: gains, feedback: try p.number("feedback", 10e3, above: 0), held: try p.list("held", [1, -2]))
        },
        Entry(name: "switch", summary: Switch().summary, parameters: "ron=100 roff=1e12 (or mos_width=W mos_length=L)", isNetlistFile: false) { p in
            if p.values["mos_width"] != nil || p.values["mos_length"] != nil {
                return Switch(.mos(width: try p.number("mos_width", 10e-6, above: 0), length: try p.number("mos_length", 1e-6, above: 0)))
            }
            return Switch(.ideal(ron: try p.number("ron", 100, above: 0), roff: try p.number("roff", 1e12, above: 0)))
        },
    ]

    /// The cells written to netlists/ (their default generators), sorted by name.
    public static var netlistCells: [any Cell] {
        entries.filter(\.isNetlistFile).compactMap { try? $0.make(Parameters(cell: $0.name, values: [:])) }
    }

    /// The generator `name` with `parameters` (`["inputs": "4"]`); throws `CellsError` for an
    /// unknown name, an unknown parameter or a bad value.
    public static func cell(named name: String, parameters: [String: String] = [:]) throws -> any Cell {
        guard let entry = entries.first(where: { $0.name == name }) else {
            throw CellsError.unknownCell(name: name, available: entries.map(\.name))
        }
        let p = Parameters(cell: name, values: parameters)
        let cell = try entry.make(p)
        let known = Set(entry.parameters.split(whereSeparator: { " ()".contains($0) }).compactMap { word in
            word.contains("=") ? String(word.prefix { $0 != "=" }) : nil
        })
        if let unknown = parameters.keys.sorted().first(where: { !known.contains($0) }) {
            throw CellsError.badParameter(cell: name, parameter: unknown, reason: "unknown (have: \(entry.parameters))")
        }
        return cell
    }

    /// Splits `KEY=VALUE` words into a dictionary (keys lower-cased).
    public static func parameters(_ words: [String], cell: String) throws -> [String: String] {
        var result: [String: String] = [:]
        for word in words {
            let parts = word.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw CellsError.badParameter(cell: cell, parameter: word, reason: "expected KEY=VALUE")
            }
            result[parts[0].lowercased()] = parts[1]
        }
        return result
    }

    /// Parameter values of one request, read with defaults and checked.
    struct Parameters: Sendable {
        var cell: String
        var values: [String: String]

        func number(_ key: String, _ fallback: Double, above lower: Double = -.infinity) throws -> Double {
            guard let text = values[key] else { return fallback }
            guard let v = Self.spiceNumber(text), v.isFinite, v > lower else {
                throw CellsError.badParameter(
                    cell: cell, parameter: key, reason: "'\(text)' is not a number" + (lower > -.infinity ? " > \(lower)" : ""))
            }
            return v
        }

        func integer(_ key: String, _ fallback: Int, in range: ClosedRange<Int>) throws -> Int {
            guard let text = values[key] else { return fallback }
            guard let v = Int(text), range.contains(v) else {
                throw CellsError.badParameter(
                    cell: cell, parameter: key, reason: "'\(text)' is not an integer in \(range.lowerBound)...\(range.upperBound)")
            }
            return v
        }

        func list(_ key: String, _ fallback: [Double]) throws -> [Double] {
            guard let text = values[key] else { return fallback }
            return try text.split(separator: ",").map { item in
                guard let v = Self.spiceNumber(String(item)), v.isFinite else {
                    throw CellsError.badParameter(cell: cell, parameter: key, reason: "'\(item)' is not a number")
                }
                return v
            }
        }

        /// A number with an optional SPICE scale suffix (`10k`, `1n`, `2.5meg`).
        static func spiceNumber(_ text: String) -> Double? {
            let lower = text.lowercased()
            if let v = Double(lower) { return v }
            let suffixes: [(String, String)] = [
                ("meg", "e6"), ("t", "e12"), ("g", "e9"), ("k", "e3"), ("m", "e-3"), ("u", "e-6"), ("n", "e-9"),
                ("p", "e-12"), ("f", "e-15"),
            ]
            for (suffix, exponent) in suffixes where lower.hasSuffix(suffix) {
                let mantissa = String(lower.dropLast(suffix.count))
                if !mantissa.contains("e"), let v = Double(mantissa + exponent) { return v }
            }
            return nil
        }
    }
}
