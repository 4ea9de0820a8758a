import Cells
import Foundation

/// A conv or linear layer as a circuit: a cross-point array with a column circuit per output,
/// time-multiplexed over the output positions.
///
/// **Rows.** Row `r` (ordered input channel, ky, kx, as the weight tensor and `Tiling.tiles`)
/// carries `x_v = x_c + s_x·x` (V). Bias rows carry the reference `V_ref = X` and weights
/// `b/(n_b·r_ref)` with `r_ref = V_ref/s_x`; `n_b` rows share a bias too large for one pair.
///
/// **Cells.** Output `o` has two column lines per tile; weight `w` of row `r` is the pair
/// `w⁺ = w_lo + max(0, Δ)`, `w⁻ = w_lo + max(0, −Δ)`, `Δ = s'_o·w` (gate volts for `vcr`,
/// conductance units for `resistor`; `CellFlavour.pair`: the profile's difference with the least
/// common-mode current), `s'_o` the
/// output channel's weight scale (batch norm folded: `s'_o = s_o·σ_o/|γ_o|`, so the cells see the
/// voltages the profile's cells see).
///
/// **Column circuit** (per output and tile, three op-amps). The lines carry large common-mode
/// currents (every cell conducts about `G(w_c)·x`), so both TIAs work at low gain, where their
/// finite open-loop gain costs little: a TIA on the minus line (`v⁻ = −R_m·i⁻`, `R_m` sized so that
/// `|v⁻| ≤ 0.1 V` at the largest possible `i⁻`) drives `R_m` into the plus line, injecting `−i⁻`; a TIA
/// on the plus line gives `q = −R_1·(i⁺ − i⁻)`, `R_1 = R_c/G`; an inverting amplifier of gain G (100 for VCR cells, 10 for resistors)
/// gives `p = R_c·(i⁺ − i⁻)`, `R_c = β·RF`. For the VCR cell `i⁺ − i⁻ = K·Δw·x` exactly
/// (K = KP·W/L: the quadratic term cancels), so `p = −κ·β·s_x·s'_o·z` with `κ = −RF·K` and
/// `z = w·x + b` in numbers. Tiles are summed by an inverting summer (`summerT`, unit gain, or
/// gain `1/γ_o` when output `o`'s tiles run at `γ_o·a_o` to keep their partial sums in range:
/// `WeightModule+PartialSums.swift`); the
/// pairs are swapped (plus ↔ minus) whenever needed so that the output `y_o` is `−a_o·z_o` when a
/// rectifier follows (`r_o = max(0, −y_o) = a_o·ReLU(z_o)`) and `+a_o·z_o` otherwise, with
/// `a_o = |κ|·β·s_x·s'_o` (V per unit).
struct WeightModule {
    var name: String
    var flavour: CellFlavour
    var geometry: WeightedGeometry
    /// Folded weights `[o][r]` and biases (numbers).
    var weights: [[Double]]
    var bias: [Double]
    var inputScale: Double
    var beta: Double
    var weightScale: [Double]
    var biasRows: Int
    var tiles: [Range<Int>]
    var relu: Bool
    var inputInverted: Bool
    /// `γ_o` per output: its tile column circuits run at `γ_o·a_o`, its partial-sum summer at
    /// gain `1/γ_o` (all 1 with one tile, or when the partial sums fit).
    var tileGain: [Double]
    var summary: String

    /// Volts per unit of `z_o` at the column output (magnitude).
    var outputScale: [Double] { weightScale.map { abs(flavour.kappa) * beta * inputScale * $0 } }
    /// `y_o = outputSign·a_o·z_o`.
    var outputSign: Double { relu ? -1 : 1 }
    /// The bias rows' reference magnitude `V_ref = X` (the bias weights are computed for it).
    var referenceVolts: Double { flavour.xHalf }
    /// The volts the reference source drives: `+X`, or `−X` when the input arrives inverted — the
    /// swapped pairs then negate the bias rows too, and the reference's sign undoes that.
    var referenceDrive: Double { inputInverted ? -referenceVolts : referenceVolts }
    var columnFeedback: Double { beta * flavour.feedback }

    /// Whether tile pairs are swapped: the base output (unswapped, one tile) is `+a·z`.
    var swapped: Bool { (relu != (tiles.count > 1)) != inputInverted }

    /// Gain `G` of the third op-amp of a column (`R_1 = R_c/G`): 100 for VCR cells, whose lines
    /// carry large conductance sums (the plus TIA must swing little), 10 for resistors (the gain
    /// stage's own finite-gain error, `(1 + G)/A`, is then 1e-4).
    var outputGain: Double { flavour == .vcr ? 100 : 10 }
    /// Largest minus-TIA output (V) at the largest possible minus-line current.
    static let minusSwing = 0.1

    /// Bias weight per bias row of output `o` (numbers).
    func biasWeight(_ o: Int) -> Double { biasRows == 0 ? 0 : bias[o] * inputScale / (referenceVolts * Double(biasRows)) }

    /// The largest `|w⁺ − w⁻|` any cell of the module needs (V or conductance units), and the weight giving it.
    var largestDifferential: (volts: Double, weight: Double) {
        var best = (0.0, 0.0)
        for o in weights.indices {
            for w in weights[o] + [biasWeight(o)] where abs(weightScale[o] * w) > best.0 { best = (abs(weightScale[o] * w), w) }
        }
        return best
    }

    var inputPorts: [String] { (1...geometry.rows).map { "x\($0)" } }
    var outputPorts: [String] { (1...geometry.outChannels).map { "y\($0)" } + (relu ? (1...geometry.outChannels).map { "r\($0)" } : []) }
    var ports: [String] { inputPorts + ["vref", "vcc", "vee"] + outputPorts }

    /// Subcircuits of cells.lib the module instantiates (name → text).
    var cellSubcircuits: [String: String] {
        var out = [String: String]()
        if tiles.count > 1, tileGain.contains(1) {
            out["summer\(tiles.count)"] = Summer(gains: Array(repeating: 1, count: tiles.count)).netlist.subcircuitText(name: "summer\(tiles.count)")
        }
        if relu { out["precision_rectifier"] = PrecisionRectifier().subcircuit }
        return out
    }

    /// Largest conductance (S) on one column line of a tile: the cells of its rows at their gate
    /// voltages, the minus TIA's injection resistor included (analytic, for the settling time).
    var worstLineConductance: Double {
        var worst = 0.0
        for o in 0..<geometry.outChannels {
            for range in tiles {
                let rows = Array((range.lowerBound * geometry.rowsPerChannel)..<(range.upperBound * geometry.rowsPerChannel))
                let sum = rows.reduce(0.0) { $0 + flavour.conductance(flavour.wLow + abs(weightScale[o] * weights[o][$1])) }
                worst = max(worst, sum + Double(biasRows) * flavour.conductance(flavour.wLow + abs(weightScale[o] * biasWeight(o))))
            }
        }
        return worst
    }

    /// The slot length (s): each op-amp stage in the signal path settles to 1e-4 (9.2 closed-loop
    /// time constants `NG/(2π·GBW)`, GBW = 10 MHz: netlists/opamp.lib) one after another — the
    /// plus TIA (noise gain `1 + R_1·(ΣG + 1/R_m)`), the gain stage (`1 + γ_o·G`), the partial-sum
    /// summer (`1 + T/γ_o`) and the rectifier (2) — plus 1 µs for the sampling switch.
    var settlingTime: Double {
        let gbw = 10e6, tau = { (ng: Double) in 9.2 * ng / (2 * Double.pi * gbw) }
        let r1 = columnFeedback / outputGain
        let injection = 1 / max(Self.minusSwing / max(flavour.xHalf * worstLineConductance, 1e-9), 1e-9)
        var t = tau(1 + r1 * (worstLineConductance + injection)) + tau(1 + (tileGain.max() ?? 1) * outputGain)
        if tiles.count > 1 { t += tau(1 + Double(tiles.count) / (tileGain.min() ?? 1)) }
        if relu { t += tau(2) }
        return t + 1e-6
    }

    /// The `.subckt` text.
    var text: String {
        let g = geometry
        let per = g.rowsPerChannel
        let rc = SpiceText.plain(columnFeedback)
        var lines = [
            "* \(name): \(summary)",
            "* Weight module (\(flavour.rawValue) cells, \(flavour.cellName)): \(g.rows) rows + \(biasRows) bias row(s) on vref, "
                + "\(g.outChannels) columns, \(tiles.count) tile(s) of input channels \(tiles.map { "\($0.lowerBound)..<\($0.upperBound)" }.joined(separator: ", ")).",
            "* Rows x1..x\(g.rows) ordered (input channel, ky, kx); x_v = \(SpiceText.plain(flavour.xCenter)) + s_x*x, s_x = \(SpiceText.plain(inputScale)) V/unit.",
            "* Pair of output o, row r: d = s'_o*w, w+ = \(SpiceText.plain(flavour.wLow)) + max(0, d), w- = \(SpiceText.plain(flavour.wLow)) + max(0, -d)"
                + "\(swapped ? " (swapped plus/minus lines)" : ""); "
                + "R_c = beta*RF = \(SpiceText.plain(beta))*\(SpiceText.plain(flavour.feedback)) = \(rc) ohm (plus TIA R_c/\(SpiceText.plain(outputGain)), then gain \(SpiceText.plain(outputGain))).",
            "* y_o = \(relu ? "-" : "+")a_o*z_o with a_o = |kappa|*beta*s_x*s'_o\(relu ? "; r_o = max(0, -y_o) (precision rectifier) = a_o*relu(z_o)" : "").",
            "* Gate voltages stand for the charge held on each capacitor weight cell (DC sources in .op decks).",
        ]
        lines += wrapped(".subckt \(name)", ports)
        for o in 0..<g.outChannels {
            let scale = weightScale[o]
            for (t, range) in tiles.enumerated() {
                let tag = "\(o + 1)_\(t + 1)"
                let plusLine = swapped ? "sm\(tag)" : "sp\(tag)", minusLine = swapped ? "sp\(tag)" : "sm\(tag)"
                lines.append("* column \(o + 1), tile \(t + 1)")
                var rows = Array((range.lowerBound * per)..<(range.upperBound * per)).map { ("x\($0 + 1)", "\(o + 1)_\($0 + 1)", weights[o][$0]) }
                if t == 0 { rows += (0..<biasRows).map { ("vref", "\(o + 1)_b\($0 + 1)", biasWeight(o)) } }
                for (row, cellName, w) in rows {
                    let (plus, minus) = flavour.pair(scale * w)
                    lines += flavour.crossPoint(name: cellName + "p", row: row, column: plusLine, weight: plus)
                    lines += flavour.crossPoint(name: cellName + "m", row: row, column: minusLine, weight: minus)
                }
                let out = tiles.count == 1 ? "y\(o + 1)" : "p\(tag)"
                // R_m: |v⁻| ≤ 0.1 V at the largest minus-line current X·Σ G(w⁻).
                let minusConductance = rows.reduce(0.0) { sum, row in
                    let (plus, minus) = flavour.pair(scale * row.2)
                    return sum + flavour.conductance(swapped ? plus : minus)
                }
                let rm = SpiceText.plain(Self.minusSwing / max(flavour.xHalf * minusConductance, 1e-9))
                let r1 = SpiceText.plain(columnFeedback / outputGain)
                let rin = SpiceText.plain(flavour.feedback / outputGain)
                let rg = SpiceText.plain(flavour.feedback * (tiles.count > 1 ? tileGain[o] : 1))
                lines += [
                    "XAM\(tag) 0 sm\(tag) om\(tag) OPAMP",
                    "RFM\(tag) sm\(tag) om\(tag) \(rm)",
                    "RI\(tag) om\(tag) sp\(tag) \(rm)",
                    "XAP\(tag) 0 sp\(tag) q\(tag) OPAMP",
                    "RFP\(tag) sp\(tag) q\(tag) \(r1)",
                    "RG\(tag) q\(tag) n\(tag) \(rin)",
                    "XAG\(tag) 0 n\(tag) \(out) OPAMP",
                    "RFG\(tag) n\(tag) \(out) \(rg)",
                ]
            }
            if tiles.count > 1, tileGain[o] == 1 {
                lines += wrapped("XS\(o + 1)", (1...tiles.count).map { "p\(o + 1)_\($0)" } + ["y\(o + 1)", "vcc", "vee", "summer\(tiles.count)"])
            } else if tiles.count > 1 {
                // The partial sums at γ_o·a_o: a summer of gain 1/γ_o restores a_o (as `Summer`, inline).
                let rs = Summer().feedback
                lines.append("* partial-sum summer of column \(o + 1): tiles at gamma = \(SpiceText.plain(tileGain[o])), y = -(1/gamma)*sum p")
                lines += (1...tiles.count).map { "RS\(o + 1)_\($0) p\(o + 1)_\($0) s\(o + 1) \(SpiceText.plain(rs * tileGain[o]))" }
                lines += ["RSF\(o + 1) s\(o + 1) y\(o + 1) \(SpiceText.plain(rs))", "XS\(o + 1) 0 s\(o + 1) y\(o + 1) vcc vee OPAMPS"]
            }
            if relu { lines.append("XR\(o + 1) y\(o + 1) r\(o + 1) vcc vee precision_rectifier") }
        }
        lines.append(".ends \(name)")
        return lines.joined(separator: "\n") + "\n"
    }
}

/// `head f1 f2 …` as one card continued with `+` lines of at most 16 fields.
func wrapped(_ head: String, _ fields: [String]) -> [String] {
    var lines = [head]
    for (i, f) in fields.enumerated() {
        if i > 0, i % 16 == 0 { lines.append("+") }
        lines[lines.count - 1] += " " + f
    }
    return lines
}
