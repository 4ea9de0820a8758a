import Cells

/// A residual add as a circuit: one two-input inverting summer per channel (+ a precision
/// rectifier when a ReLU follows), time-multiplexed over the output positions.
///
/// Channel `c` receives the body's output `v_b = a_b,c·u` and the shortcut's `v_s = a_s,c·v`
/// (volts per unit `a_b,c`, `a_s,c`: the body's last weight module and the shortcut's module, or
/// the block input's volts for an identity shortcut). Input resistors `RF/g_b,c` and `RF/g_s,c`
/// with `g_b,c = a_c/a_b,c`, `g_s,c = a_c/a_s,c` meet at the summing node, so
/// `y_c = −(g_b,c·v_b + g_s,c·v_s) = −a_c·(u + v) = −a_c·z_c`; the rectifier gives
/// `r_c = max(0, −y_c) = a_c·ReLU(z_c)`: the summer's inversion and the rectifier's cancel.
/// Ports: `b1…bC s1…sC vcc vee y1…yC [r1…rC]`.
struct AddModule {
    var name: String
    var channels: Int
    /// Volts per unit of the body's and the shortcut's outputs, and of this stage's, per channel.
    var bodyScale: [Double], shortcutScale: [Double], outputScale: [Double]
    var relu: Bool
    var summary: String
    /// The summers' feedback resistor RF (Ω).
    static let feedback = 10e3

    var inputPorts: [String] { (1...channels).map { "b\($0)" } + (1...channels).map { "s\($0)" } }
    var outputPorts: [String] { (1...channels).map { "y\($0)" } + (relu ? (1...channels).map { "r\($0)" } : []) }
    var ports: [String] { inputPorts + ["vcc", "vee"] + outputPorts }

    /// `(g_b,c, g_s,c)`.
    func gains(_ c: Int) -> (body: Double, shortcut: Double) { (outputScale[c] / bodyScale[c], outputScale[c] / shortcutScale[c]) }

    /// The slot length (s): the summer settles to 1e-4 (9.2 closed-loop time constants at noise
    /// gain `1 + g_b + g_s`, GBW 10 MHz), then the rectifier (noise gain 2), plus 1 µs to sample.
    var settlingTime: Double {
        let tau = { (ng: Double) in 9.2 * ng / (2 * Double.pi * 10e6) }
        let worst = (0..<channels).map { 1 + gains($0).body + gains($0).shortcut }.max() ?? 1
        return tau(worst) + (relu ? tau(2) : 0) + 1e-6
    }

    var cellSubcircuits: [String: String] { relu ? ["precision_rectifier": PrecisionRectifier().subcircuit] : [:] }

    var text: String {
        let rf = Self.feedback
        var lines = [
            "* \(name): \(summary)",
            "* One inverting summer per channel: y_c = -(RF/RB_c*b_c + RF/RS_c*s_c) = -a_c*(body + shortcut), RF = \(SpiceText.plain(rf)) ohm"
                + (relu ? "; r_c = max(0, -y_c) (precision rectifier) = a_c*relu(body + shortcut)." : "."),
        ]
        lines += wrapped(".subckt \(name)", ports)
        for c in 0..<channels {
            let (gb, gs) = gains(c)
            let k = c + 1
            lines += [
                "RB\(k) b\(k) n\(k) \(SpiceText.plain(rf / gb))",
                "RS\(k) s\(k) n\(k) \(SpiceText.plain(rf / gs))",
                "RF\(k) n\(k) y\(k) \(SpiceText.plain(rf))",
                "XA\(k) 0 n\(k) y\(k) OPAMP",
            ]
            if relu { lines.append("XR\(k) y\(k) r\(k) vcc vee precision_rectifier") }
        }
        lines.append(".ends \(name)")
        return lines.joined(separator: "\n") + "\n"
    }
}
