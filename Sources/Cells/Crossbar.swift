import Foundation

/// Resistive crossbar with transimpedance read-out: `y = −RF·G·x`, a matrix-vector product.
///
/// Column j carries the input voltage `x_j` (V); resistor `R_ij = RF/w_ij` joins column j to row i,
/// whose op-amp (netlists/opamp.lib) holds it at virtual ground and turns the row current
/// `Σ_j x_j/R_ij` into `y_i = −Σ_j w_ij·x_j` through its feedback resistor RF. Relative error
/// (1 + Σ_j w_ij)/1e5 from the op-amp gain. Ports: `x1 … xN` columns, `y1 … yM` outputs.
///
/// The default (4 × 4, RF = 10 kΩ) is netlists/crossbar_4x4.cir. Resistor names are `R<i><j>`,
/// or `R<i>_<j>` beyond 9 rows or columns.
public struct Crossbar: Cell, Equatable {
    /// Weights `w_ij = RF·G_ij` (dimensionless, > 0), `rows × columns`.
    public var weights: [[Double]]
    /// Feedback resistor RF of every row (Ω).
    public var feedback: Double
    /// Bench: the column voltages (V) of the standalone deck's `.op`.
    public var inputs: [Double]

    public init(
        weights: [[Double]] = [
            [1, 0.5, 0.25, 0.1], [0.2, 1, 0.5, 0.25], [0.1, 0.2, 1, 0.5], [0.5, 0.1, 0.2, 1],
        ],
        feedback: Double = 10e3, inputs: [Double] = [1, -0.5, 2, 0.25]
    ) {
        self.weights = weights
        self.feedback = feedback
        self.inputs = inputs
    }

    /// A `rows × columns` crossbar whose every crosspoint is `cell` (weight RF/R), inputs 0 V.
    public init(rows: Int, columns: Int, cell: ResistorCell = ResistorCell(resistance: 100e3), feedback: Double = 10e3) {
        self.init(
            weights: Array(repeating: Array(repeating: feedback / cell.resistance, count: columns), count: rows),
            feedback: feedback, inputs: Array(repeating: 0, count: columns))
    }

    public var rows: Int { weights.count }
    public var columns: Int { weights.first?.count ?? 0 }
    public var name: String { "crossbar_\(rows)x\(columns)" }

    /// `R11`, or `R1_1` when an index can exceed 9.
    func resistorName(_ i: Int, _ j: Int) -> String { max(rows, columns) > 9 ? "R\(i)_\(j)" : "R\(i)\(j)" }

    /// The ideal outputs `y = −W·x` (V) for the bench inputs.
    public var idealOutputs: [Double] {
        weights.map { row in -zip(row, inputs).reduce(0) { $0 + $1.0 * $1.1 } }
    }

    public var netlist: CellNetlist {
        let m = rows, n = columns
        let rf = SpiceText.eng(feedback)
        let resistances = weights.map { $0.map { SpiceText.eng(feedback / $0) } }
        let head = "       " + (1...n).map { ($0 == 1 ? "" : "     ") + "x\($0)" }.joined()
        let table = (0..<m).map { i in
            "  y\(i + 1)" + weights[i].map { String(format: "  %.2f ", $0) }.joined() + "      "
                + "\(resistorName(i + 1, 1))..\(resistorName(i + 1, n)) = " + resistances[i].joined(separator: " ")
        }
        let worst = weights.map { 1 + $0.reduce(0, +) }.max() ?? 1
        let documentation =
            [
                "What it computes (a matrix-vector product):",
                "  y = -RF * G * x",
                "  x = (" + (1...n).map { "x\($0)" }.joined(separator: ", ") + ") input voltages on the columns (sources VX1..VX\(n))",
                "  G[i][j] = 1/Rij, the conductance from column j to row i (resistor Rij)",
                "  row i is held at virtual ground by op-amp i; its feedback resistor RFi = RF = \(SpiceText.plain(feedback / 1e3)) kohm",
                "  turns the row current sum_j G[i][j]*x[j] into y_i = -RF * sum_j G[i][j]*x[j].",
                "Weights (RF*G, dimensionless):",
                head,
            ] + table + [
                "Input vector x = (" + inputs.map(SpiceText.plain).joined(separator: ", ") + ") V",
                "  ideal y = -RF*G*x = (" + idealOutputs.map(SpiceText.plain).joined(separator: ", ") + ") V",
                "Ports / nodes:",
                "  x1..x\(n)  column (input) lines     r1..r\(m)  row lines (virtual grounds)",
                "  y1..y\(m)  outputs",
                "Op-amp: netlists/opamp.lib (gain 1e5: relative error (1 + RF*sum_j G[i][j])/1e5 < \(Self.roundedUp(worst / 1e5))).",
            ]
        var cards: [Card] = (0..<n).map { .element("VX\($0 + 1)", ["x\($0 + 1)", "0", "DC", SpiceText.plain(inputs[$0])], role: .bench) }
        for i in 0..<m {
            for j in 0..<n { cards.append(.element(resistorName(i + 1, j + 1), ["x\(j + 1)", "r\(i + 1)", resistances[i][j]])) }
        }
        cards += (1...m).map { .element("RF\($0)", ["r\($0)", "y\($0)", rf]) }
        cards += (1...m).map { .element("XA\($0)", ["0", "r\($0)", "y\($0)", "OPAMP"]) }
        cards.append(.text(".op", role: .bench))
        return CellNetlist(
            summary: "\(m)x\(n) resistive crossbar with transimpedance read-out",
            documentation: documentation, includes: ["opamp.lib"],
            ports: (1...n).map { Port("x\($0)", "input") } + (1...m).map { Port("y\($0)", "output") },
            cards: cards)
    }

    /// `v` rounded up to one significant digit, SPICE exponent style (2.95e-5 → `3e-5`).
    static func roundedUp(_ v: Double) -> String {
        let e = floor(log10(v))
        return SpiceText.sci((v / pow(10, e)).rounded(.up) * pow(10, e), digits: 1)
    }
}
