import Foundation

/// How often each kind of characterised cell operates in one inference of a stage: the counts the
/// energy estimate multiplies by each cell's characterised energy per operation.
///
/// The convention is the analog profiles' (`OperationCounts`, `AnalogProfile.energyByCell`), so
/// that `kelvin eval --analog` and the compile report agree on what one operation is:
/// - `multiply`: every multiply cell conducts once per slot, `2(R + B)·M·P` (the pair counted as two);
/// - `summer`: one column circuit per output and tile per slot (`T·M·P`), plus the partial-sum
///   summer (`M·P` when `T > 1`), the residual and pooling summers (`C·P`);
/// - `rectifier`: one per rectified value (`M·P`, `C·P`);
/// - `max`: one max circuit per channel and slot (`C·P`).
public struct Operations: Sendable, Equatable, Codable {
    public var multiply = 0
    public var summer = 0
    public var rectifier = 0
    public var max = 0
    /// Training step: weight-cell writes (charge added to each capacitor weight cell once per slot).
    public var weightWrite = 0
    public init() {}

    enum CodingKeys: String, CodingKey { case multiply, summer, rectifier, max, weightWrite = "weight_write" }

    static func + (a: Operations, b: Operations) -> Operations {
        var r = Operations()
        r.multiply = a.multiply + b.multiply; r.summer = a.summer + b.summer
        r.rectifier = a.rectifier + b.rectifier; r.max = a.max + b.max; r.weightWrite = a.weightWrite + b.weightWrite
        return r
    }

    /// (kind, count) of every kind, in report order.
    var kinds: [(CellEnergies.Kind, Int)] {
        [(.multiply, multiply), (.summer, summer), (.rectifier, rectifier), (.max, max), (.weightWrite, weightWrite)]
    }
}

/// The characterised energy of one operation of each kind of cell a compiled network uses, from
/// the cells' lookup tables (`dynamics.energyPerOperation`,
/// `E_op = ∫_{t_d}^{t_d+T_op} P(t) dt`: the supplies' energy over one operation of the cell as
/// characterised, op-amps included). A kind without a figure carries the reason instead of 0.
public struct CellEnergies: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case multiply, summer, rectifier, max
        case weightWrite = "weight_write"
    }

    /// One kind's figure: the cell (and table) it comes from, `E_op` in J, or why there is none.
    public struct Figure: Sendable, Equatable, Codable {
        public var cell: String
        public var joulesPerOperation: Double?
        /// Why there is no figure (nil when there is one).
        public var missing: String?
        /// The cell's measured settling time `t_s` (s, `dynamics.settlingTime` of the same table:
        /// to 0.1 % after a full-scale step), for the slots of modules built from the cell (the
        /// max-pool's); not part of the energy report.
        public var settlingTime: Double? = nil

        public init(cell: String, joulesPerOperation: Double?, missing: String? = nil, settlingTime: Double? = nil) {
            self.cell = cell
            self.joulesPerOperation = joulesPerOperation
            self.missing = joulesPerOperation == nil ? (missing ?? "its table has no energy per operation") : nil
            self.settlingTime = settlingTime
        }

        enum CodingKeys: String, CodingKey { case cell, joulesPerOperation = "j_per_operation", missing }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(cell, forKey: .cell)
            try c.encode(joulesPerOperation, forKey: .joulesPerOperation)  // null, not absent
            try c.encodeIfPresent(missing, forKey: .missing)
        }
    }

    public var figures: [Kind: Figure]

    public init(figures: [Kind: Figure]) { self.figures = figures }

    /// The cell each kind is characterised as, for a compile with `cell` multiply cells.
    public static func cellNames(for cell: CellFlavour) -> [Kind: String] {
        [.multiply: cell.cellName, .summer: "summing_amplifier", .rectifier: "precision_rectifier", .max: "max_circuit",
         .weightWrite: "sample_hold_weight"]
    }
}

/// One inference's energy, per stage and in total, from `Operations` × `CellEnergies`.
public struct EnergyReport: Sendable, Equatable, Codable {
    /// Per kind in use: the figure, the operations of one inference and their energy (J, nil
    /// without a figure).
    public struct Part: Sendable, Equatable, Codable {
        public var kind: CellEnergies.Kind
        public var cell: String
        public var operations: Int
        public var joulesPerOperation: Double?
        public var joules: Double?
        public var missing: String?

        enum CodingKeys: String, CodingKey { case kind, cell, operations, joulesPerOperation = "j_per_operation", joules = "j", missing }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(kind, forKey: .kind); try c.encode(cell, forKey: .cell); try c.encode(operations, forKey: .operations)
            try c.encode(joulesPerOperation, forKey: .joulesPerOperation); try c.encode(joules, forKey: .joules)
            try c.encodeIfPresent(missing, forKey: .missing)
        }
    }

    public var parts: [Part]
    /// The sum over kinds with a figure (J): the whole energy when `missing` is empty, else a lower bound.
    public var knownJoules: Double
    /// The energy of one inference (J); nil when a kind in use has no figure.
    public var totalJoules: Double?
    /// The cells in use without a figure (`max_circuit (max): why`).
    public var missing: [String]

    enum CodingKeys: String, CodingKey { case parts, knownJoules = "known_j", totalJoules = "total_j", missing }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(parts, forKey: .parts); try c.encode(knownJoules, forKey: .knownJoules)
        try c.encode(totalJoules, forKey: .totalJoules); try c.encode(missing, forKey: .missing)
    }

    /// `E = Σ_kind n_kind · E_op,kind` over the kinds in use (`n > 0`).
    public init(operations: Operations, energies: CellEnergies) {
        parts = operations.kinds.filter { $0.1 > 0 }.map { kind, n in
            let f = energies.figures[kind]
            let e = f?.joulesPerOperation
            return Part(kind: kind, cell: f?.cell ?? kind.rawValue, operations: n, joulesPerOperation: e, joules: e.map { Double(n) * $0 },
                        missing: e == nil ? (f?.missing ?? "no table given") : nil)
        }
        knownJoules = parts.compactMap(\.joules).reduce(0, +)
        missing = parts.filter { $0.joules == nil }.map { "\($0.cell) (\($0.kind.rawValue)): \($0.missing ?? "no figure")" }
        totalJoules = missing.isEmpty ? knownJoules : nil
    }

    /// The report's text for a total or a stage: `12.3 µJ`, or `≥ 12.3 µJ (no figure: max_circuit)`.
    public var summary: String { text }
    var text: String {
        if let totalJoules { return SpiceJoules.format(totalJoules) }
        return "≥ " + SpiceJoules.format(knownJoules) + " (no figure: " + parts.filter { $0.joules == nil }.map(\.cell).joined(separator: ", ") + ")"
    }
}

/// `1.23 µJ`-style energies for the report.
enum SpiceJoules {
    static func format(_ j: Double) -> String {
        let units: [(Double, String)] = [(1, "J"), (1e-3, "mJ"), (1e-6, "µJ"), (1e-9, "nJ"), (1e-12, "pJ")]
        guard j != 0 else { return "0 J" }
        let (scale, unit) = units.first { abs(j) >= $0.0 } ?? units.last!
        return String(format: "%.4g %@", j / scale, unit)
    }
}
