import Cells

/// The weight update of a VCR weight module as a circuit: charge added to each capacitor weight
/// cell, one slot per output position (the training step's `update` slots).
///
/// Each weight `w_or` is a pair of hold capacitors `C_W` (the gates of its two cells, `gp<r>_<o>`
/// and `gm<r>_<o>`), precharged to the forward module's pair `(w⁺, w⁻)` while `pre` is high. In the
/// slot of position `p`:
/// - column `o` carries `v_o = c_o·e_o(p)` on `e<o>` and `−v_o` on `en<o>` (a unit inverter);
/// - row `r` is pulsed for `t_r = T·|v_r|/V_max` (`v_r = s_x·x_r(p)` its forward input volts,
///   `T` = 1 µs the longest pulse), on `pp<r>` when `x_r > 0`, on `pn<r>` when `x_r < 0`;
/// - while its row's pulse is high, a cell's write switch passes its column line (`e<o>` or
///   `en<o>`) to its write transconductor `g_m`, which charges the `w⁺` capacitor with
///   `+g_m·c` and the `w⁻` capacitor with `−g_m·c` (`c = sign(x_r)·v_o`).
///
/// So one slot changes the pair's difference by `Δ(v⁺ − v⁻) = 2·g_m·T·v_o·v_r/(C_W·V_max)`, and
/// with `c_o = −η·s'_o·C_W·V_max/(2·g_m·T·s_x)` that is `−η·s'_o·e_o·x_r`: the gate-voltage image
/// (`s'_o` volts per unit of weight) of `ΔW = −η·e·xᵀ`; the slots of several positions add up.
/// Bias rows are not written here. The read-out `d<r>_<o> = A·((v⁺ − v⁻) − (w⁺ − w⁻))` (an ideal
/// difference amplifier of gain `A`) gives the change in volts the verifier compares.
///
/// Ports: `e1…eM en1…enM pp1…ppR pn1…pnR pre d1_1…dR_M` (`d<r>_<o>`, row-major).
struct WeightUpdateModule {
    var forward: WeightModule
    /// `g_m` (S) and the read-out gain `A`.
    var transconductance: Double
    var readGain: Double
    /// The hold capacitor of a weight cell (F): `SampleHold`'s.
    static let capacitance = SampleHold().capacitance
    /// The longest row pulse `T` (s).
    static let pulse = 1e-6
    /// The write switch's pull-down (Ω): the transconductor sees `v·R/(R + RON)` while the switch
    /// is closed (1e-4 low) and `v·R/(R + ROFF)` (1e-6) while it is open.
    static let pullDown = 1e6

    var name: String { forward.name + "_upd" }
    var rows: Int { forward.geometry.rows }
    var outputs: Int { forward.geometry.outChannels }

    var ports: [String] {
        (1...outputs).map { "e\($0)" } + (1...outputs).map { "en\($0)" } + (1...rows).map { "pp\($0)" } + (1...rows).map { "pn\($0)" }
            + ["pre"] + (1...rows).flatMap { r in (1...outputs).map { "d\(r)_\($0)" } }
    }

    /// The forward pair `(w⁺, w⁻)` (gate volts) of weight `(o, r)`.
    func pair(_ o: Int, _ r: Int) -> (plus: Double, minus: Double) { forward.flavour.pair(forward.weightScale[o] * forward.weights[o][r]) }

    var text: String {
        let p = SpiceText.plain
        var lines = [
            "* \(name): weight update of \(forward.summary): charge onto the capacitor weight cells.",
            "* Per weight (r, o): hold capacitors gp/gm (C_W = \(p(Self.capacitance)) F) precharged to (w+, w-) while pre is high;",
            "* while row r's pulse (pp: x_r > 0, pn: x_r < 0) is high, a write switch passes column line e<o> (en<o> = -e<o>)",
            "* to the cell's transconductors (g_m = \(p(transconductance)) S): +g_m*c into gp, -g_m*c into gm.",
            "* d<r>_<o> = A*((v(gp) - v(gm)) - (w+ - w-)), A = \(p(readGain)).",
        ]
        lines += wrapped(".subckt \(name)", ports)
        for r in 1...rows {
            for o in 1...outputs {
                let k = "\(r)_\(o)"
                let (plus, minus) = pair(o - 1, r - 1)
                lines += [
                    "XWP\(k) e\(o) c\(k) pp\(r) switch",
                    "XWN\(k) en\(o) c\(k) pn\(r) switch",
                    "RC\(k) c\(k) 0 \(p(Self.pullDown))",
                    "GP\(k) 0 gp\(k) c\(k) 0 \(p(transconductance))",
                    "GM\(k) gm\(k) 0 c\(k) 0 \(p(transconductance))",
                    "CP\(k) gp\(k) 0 \(p(Self.capacitance))",
                    "CM\(k) gm\(k) 0 \(p(Self.capacitance))",
                    "VWP\(k) wp\(k) 0 DC \(p(plus))",
                    "VWM\(k) wm\(k) 0 DC \(p(minus))",
                    "XPP\(k) wp\(k) gp\(k) pre switch",
                    "XPM\(k) wm\(k) gm\(k) pre switch",
                    "ED\(k) dx\(k) 0 gp\(k) gm\(k) \(p(readGain))",
                    "VD\(k) d\(k) dx\(k) DC \(p(-readGain * (plus - minus)))",
                ]
            }
        }
        lines.append(".ends \(name)")
        return lines.joined(separator: "\n") + "\n"
    }
}
