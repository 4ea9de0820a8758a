import Cells

/// Average pooling (k×k window, or global over H×W) as a circuit: one inverting summer
/// (`Summer`, `n` inputs of gain `1/n`: input resistors `n·RF`) per channel, (+ a precision
/// rectifier when a ReLU follows), time-multiplexed over the output positions (one for the
/// global pool).
///
/// Channel `c` receives its window's values `v_j = a_c·x_j` (the previous stage's volts per
/// unit `a_c`; padding at 0 V, counted in `n` as PyTorch's default) and gives
/// `y_c = −Σ_j v_j/n = −a_c·mean_j(x_j)`: the output keeps the input's volts per unit (a mean is
/// never larger than the largest input) and is inverted; the rectifier gives
/// `r_c = max(0, −y_c) = a_c·ReLU(mean)`. Ports: `i<c>_<j>… vcc vee y<c>… [r<c>…]`.
struct AveragePoolModule {
    var name: String
    var channels: Int
    /// Inputs per channel `n` (k², or H·W).
    var window: Int
    var relu: Bool
    var summary: String

    var inputPorts: [String] { (1...channels).flatMap { c in (1...window).map { "i\(c)_\($0)" } } }
    var outputPorts: [String] { (1...channels).map { "y\($0)" } + (relu ? (1...channels).map { "r\($0)" } : []) }
    var ports: [String] { inputPorts + ["vcc", "vee"] + outputPorts }
    var cellName: String { "summer_avg\(window)" }

    /// The summer cell: `n` inputs of gain `1/n`.
    var summer: Summer { Summer(gains: Array(repeating: 1 / Double(window), count: window)) }

    /// Slot length (s): the summer (noise gain `1 + Σ g = 2`) settles to 1e-4 (9.2 closed-loop
    /// time constants, GBW 10 MHz), then the rectifier (noise gain 2), plus 1 µs to sample.
    var settlingTime: Double {
        let tau = 9.2 * 2 / (2 * Double.pi * 10e6)
        return tau + (relu ? tau : 0) + 1e-6
    }

    var cellSubcircuits: [String: String] {
        var out = [cellName: summer.netlist.subcircuitText(name: cellName)]
        if relu { out["precision_rectifier"] = PrecisionRectifier().subcircuit }
        return out
    }

    var text: String {
        var lines = [
            "* \(name): \(summary)",
            "* One \(cellName) (Summer, \(window) inputs of gain 1/\(window)) per channel: y<c> = -mean_j i<c>_<j>"
                + (relu ? "; r<c> = max(0, -y<c>) (precision rectifier)." : "."),
        ]
        lines += wrapped(".subckt \(name)", ports)
        for c in 1...channels {
            lines += wrapped("XS\(c)", (1...window).map { "i\(c)_\($0)" } + ["y\(c)", "vcc", "vee", cellName])
            if relu { lines.append("XR\(c) y\(c) r\(c) vcc vee precision_rectifier") }
        }
        lines.append(".ends \(name)")
        return lines.joined(separator: "\n") + "\n"
    }
}
