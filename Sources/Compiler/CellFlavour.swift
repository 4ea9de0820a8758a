import Cells

/// The multiply cell a weight module is built from, and how numbers map onto it.
///
/// Both flavours are a differential pair per weight feeding two column lines held at virtual
/// ground; the column circuit turns `i⁺ − i⁻` into a voltage (see `WeightModule`).
///
/// - `vcr` (the seed's design, `VCRWeightCell`): an NMOS transistor in triode per cell, drain on
///   the input row, source on the column's virtual ground, gate at the weight voltage (held on the
///   capacitor weight cell; a DC source in `.op` decks). It conducts
///   `i = KP·(W/L)·((v_g − VTO)·x − x²/2)`, so a pair whose gates differ by `Δ = w⁺ − w⁻` on one row gives
///   `i⁺ − i⁻ = KP·(W/L)·Δ·x`: the quadratic term cancels exactly. Ranges: `x ∈ ±50 mV`,
///   `v_g ∈ VTO + 1 … VTO + 4 V`; the cell's gain as characterised (`f = −RF·i`, RF = 10 kΩ) is
///   `κ = −RF·KP·W/L = −10`.
/// - `resistor` (`ResistorCell`, seed 002): fixed conductances `G± = w±/RF` (w in units of 1/RF,
///   RF = 10 kΩ, `w ∈ [0.02, 1]`: 10 kΩ … 500 kΩ), inputs `x ∈ ±1 V`; `f = −x·w`, `κ = −1`.
public enum CellFlavour: String, Sendable, CaseIterable, Codable {
    case vcr, resistor

    /// The generator whose device the cross point is.
    public var cellName: String { self == .vcr ? VCRWeightCell().name : ResistorCell().name }

    /// Input centre `x_c` (V): 0 for both flavours (the ranges contain 0).
    public var xCenter: Double { 0 }
    /// Input half-range `X` (V).
    public var xHalf: Double { self == .vcr ? 0.05 : 1 }
    /// Weight centre `w_c` (gate volts, or conductance in units of 1/RF).
    public var wCenter: Double { self == .vcr ? VCRWeightCell().vto + 2.5 : 0.51 }
    /// Weight half-range `W`.
    public var wHalf: Double { self == .vcr ? 1.5 : 0.49 }
    /// The characterised cell's gain κ (output volts per unit of `x·Δw`).
    public var kappa: Double { self == .vcr ? -VCRWeightCell().gainPerVolt : -1 }
    /// The cell's own feedback resistor RF (Ω): the column feedback is `β·RF`.
    public var feedback: Double { self == .vcr ? VCRWeightCell().feedback : 10e3 }
    /// Whether each cell holds its weight on a capacitor (counted in the report).
    public var holdsOnCapacitor: Bool { self == .vcr }

    /// The bottom of the weight range, `w_c − W`.
    public var wLow: Double { wCenter - wHalf }

    /// The pair for a differential `Δ = s'·w` (`|Δ| ≤ 2W`), sign-magnitude and anchored at the
    /// bottom of the range: `w⁺ = w_lo + max(0, Δ)`, `w⁻ = w_lo + max(0, −Δ)`. Its difference is the
    /// profile's symmetric pair's (`w_c ± Δ/2`), and both cells' difference currents are linear in
    /// the weight (`i⁺ − i⁻ = K·Δ·x` for the VCR, `Δ·x/RF` for resistors), so the column sums
    /// agree; but each cell carries the least common-mode current (`G(w_lo)·x`), which is what
    /// the column's op-amps must absorb.
    public func pair(_ delta: Double) -> (plus: Double, minus: Double) { (wLow + max(0, delta), wLow + max(0, -delta)) }

    /// The small-signal conductance (S) of a cell at weight `w` (input near 0 V).
    public func conductance(_ w: Double) -> Double {
        let c = VCRWeightCell()
        return self == .vcr ? c.kp * c.width / c.length * (w - c.vto) : w / feedback
    }

    /// `.model` cards the cross points use (top level of cells.lib).
    public var models: [String] {
        let c = VCRWeightCell()
        return self == .vcr ? [".model nvcr NMOS(LEVEL=1 VTO=\(SpiceText.plain(c.vto)) KP=\(SpiceText.eng(c.kp)))"] : []
    }

    /// The cards of one cross point between `row` and the column line `column`, weight `w`
    /// (gate volts or conductance units); `name` is unique within the module.
    func crossPoint(name: String, row: String, column: String, weight w: Double) -> [String] {
        switch self {
        case .vcr:
            let c = VCRWeightCell()
            return ["VG\(name) g\(name) 0 DC \(SpiceText.plain(w))",
                    "M\(name) \(row) g\(name) \(column) 0 nvcr W=\(SpiceText.eng(c.width)) L=\(SpiceText.eng(c.length))"]
        case .resistor:
            return ["R\(name) \(row) \(column) \(SpiceText.plain(feedback / w))"]
        }
    }
}
