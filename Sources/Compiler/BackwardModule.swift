import Cells

/// The backward read of a weight module, `δ = Wᵀe`: the same cross-point array with its rows and
/// columns swapped by switches — the column lines are driven by the errors, the rows are read.
///
/// **Drive.** Output `o`'s error `e_o` (numbers) arrives as `v_o = s_e·e_o/s'_o` (V, `|v_o| ≤ h·X`;
/// the division by the output's weight scale is a passive divider per column, as the forward
/// pass's input gains). Every tile's line holding the `w⁺` cells of output `o` is driven at `+v_o`,
/// the line holding the `w⁻` cells at `−v_o` (a unit-gain inverter per column).
///
/// **Rows.** Each row is held at virtual ground by a row TIA of low gain (feedback `R_1 = R_b/G`,
/// G = the forward module's output gain, so the row's large cell conductance costs little) followed
/// by an inverting gain stage of `G`, as the forward column circuit. A VCR cell between a
/// line at `v` and a row at 0 V sources `K·((v_g − VTO)·v − v²/2)` into the row (the symmetric
/// triode law), so the pair of output `o` gives `K·Δ_o·v_o − K·v_o²` with `Δ_o = w⁺ − w⁻ = s'_o·w_or`.
/// The quadratic term is the same on every row: a **reference row** of pairs at `w_lo` on both
/// lines collects `−K·Σ_o v_o²` into its own TIA, whose output drives `R_b` into every row and
/// cancels it (as the forward column's minus TIA does). Row `r` then reads
/// `u_r = G·R_1·K·Σ_o Δ_o·v_o = a_b·(Wᵀe)_r`, `a_b = R_b·K·s_e` (V per unit). Resistor cells are
/// linear (`(w⁺ − w⁻)·v/RF`, no quadratic term; `K` is `1/RF`). Bias rows are tied to ground.
/// Ports: `e1…eM vcc vee u1…uR`.
struct BackwardModule {
    var forward: WeightModule
    /// `s_e` (V per unit of `e_o/s'_o`) and `R_b` (Ω).
    var errorScale: Double
    var rowFeedback: Double

    var name: String { forward.name + "_bwd" }
    var rows: Int { forward.geometry.rows }
    var outputs: Int { forward.geometry.outChannels }
    /// `K` (A/V²) of the VCR cell, `1/RF` (S per conductance unit) of the resistor cell.
    static func cellGain(_ flavour: CellFlavour) -> Double {
        flavour == .vcr ? VCRWeightCell().kp * VCRWeightCell().width / VCRWeightCell().length : 1 / flavour.feedback
    }
    /// Volts per unit of `(Wᵀe)_r` at the row outputs (`u_r = a_b·δ_r`).
    var outputScale: Double { rowFeedback * Self.cellGain(forward.flavour) * errorScale }

    var ports: [String] { (1...outputs).map { "e\($0)" } + ["vcc", "vee"] + (1...rows).map { "u\($0)" } }

    /// The drive `v_o` (V) of an error `e_o` (numbers).
    func drive(_ o: Int, _ e: Double) -> Double { errorScale * e / forward.weightScale[o] }

    /// The row TIA's feedback `R_1 = R_b/G` (Ω).
    var rowTIA: Double { rowFeedback / forward.outputGain }

    /// Largest conductance (S) on one row: its 2M cells at their gate voltages, plus `1/R_1` twice.
    var worstRowConductance: Double {
        let f = forward.flavour
        var worst = 0.0
        for r in 0..<rows {
            var g = 0.0
            for o in 0..<outputs {
                let (p, m) = f.pair(forward.weightScale[o] * forward.weights[o][r])
                g += f.conductance(p) + f.conductance(m)
            }
            worst = max(worst, g)
        }
        return worst + 2 / rowTIA
    }

    /// Slot length (s): the column inverters (noise gain 2), the row TIA (noise gain
    /// `1 + R_1·ΣG`) and the gain stage (`1 + G`) settle to 1e-4 one after the other, plus 1 µs to sample.
    var settlingTime: Double {
        let tau = { (ng: Double) in 9.2 * ng / (2 * Double.pi * 10e6) }
        return tau(2) + tau(1 + rowTIA * worstRowConductance) + tau(1 + forward.outputGain) + 1e-6
    }

    var text: String {
        let f = forward.flavour, g = forward.geometry
        let per = g.rowsPerChannel
        let r1 = SpiceText.plain(rowTIA), gain = forward.outputGain
        let rin = SpiceText.plain(f.feedback / gain), rfg = SpiceText.plain(f.feedback)
        var lines = [
            "* \(name): backward read of \(forward.summary): delta = W^T e through the same cross points, rows and columns swapped.",
            "* Column o's w+ line driven at +v_o, its w- line at -v_o (v_o = s_e*e_o/s'_o, s_e = \(SpiceText.plain(errorScale)) V/unit);"
                + " rows held at virtual ground by TIAs (R_1 = \(r1) ohm) and amplified by \(SpiceText.plain(gain));",
            "* a reference row of w_lo pairs cancels the cells' quadratic term; u_r = a_b*(W^T e)_r, a_b = R_1*G*K*s_e = \(SpiceText.plain(outputScale)) V/unit."
                + " Bias rows tied to ground.",
        ]
        lines += wrapped(".subckt \(name)", ports)
        for o in 0..<outputs {
            let k = o + 1
            lines += ["* column \(k): its w+ lines at +v (on e\(k)), its w- lines at -v (em\(k), a unit inverter)",
                      "RIE\(k) e\(k) ni\(k) 10k", "RFE\(k) ni\(k) em\(k) 10k", "XIE\(k) 0 ni\(k) em\(k) OPAMP"]
            for (t, range) in forward.tiles.enumerated() {
                    var cells = Array((range.lowerBound * per)..<(range.upperBound * per)).map { ("w\($0 + 1)", "\(k)_\($0 + 1)", forward.weights[o][$0]) }
                if t == 0 { cells += (0..<forward.biasRows).map { ("0", "\(k)_b\($0 + 1)", forward.biasWeight(o)) } }
                if t == 0 { cells.append(("wref", "\(k)_ref", 0)) }
                for (row, cellName, w) in cells {
                    let (plus, minus) = f.pair(forward.weightScale[o] * w)
                    lines += f.crossPoint(name: cellName + "p\(t + 1)", row: row, column: "e\(k)", weight: plus)
                    lines += f.crossPoint(name: cellName + "m\(t + 1)", row: row, column: "em\(k)", weight: minus)
                }
            }
        }
        lines += ["* reference row and row circuits (TIA, then gain)",
                  "XAREF 0 wref uref OPAMP", "RFREF wref uref \(r1)"]
        for r in 1...rows {
            lines += ["XAR\(r) 0 w\(r) q\(r) OPAMP", "RFR\(r) w\(r) q\(r) \(r1)", "RCR\(r) uref w\(r) \(r1)",
                      "RGR\(r) q\(r) n\(r) \(rin)", "XAG\(r) 0 n\(r) u\(r) OPAMP", "RFG\(r) n\(r) u\(r) \(rfg)"]
        }
        lines.append(".ends \(name)")
        return lines.joined(separator: "\n") + "\n"
    }
}
