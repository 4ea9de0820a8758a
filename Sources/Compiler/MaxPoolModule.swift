import Cells

/// Max-pooling as a circuit: one `MaxCircuit` (op-amp superdiodes sharing an output) per channel,
/// time-multiplexed over the output positions. Inputs `i<c>_<j>` (channel c, window element j in
/// (ky, kx) order), outputs `m<c>` = max_j v(i<c>_<j>).
struct MaxPoolModule {
    var name: String
    var channels: Int
    var window: Int
    var summary: String

    var inputPorts: [String] { (1...channels).flatMap { c in (1...window).map { "i\(c)_\($0)" } } }
    var outputPorts: [String] { (1...channels).map { "m\($0)" } }
    var ports: [String] { inputPorts + ["vcc", "vee"] + outputPorts }
    var cellName: String { "max\(window)" }
    /// The slot length (s) from the `max_circuit` cell's characterised settling time `t_s` (its
    /// table's `dynamics.settlingTime`: a −5 V → 5 V step of an input that takes over from a held
    /// one, i.e. a saturated loser recovering to win, to 0.1 % of the final value). The other
    /// modules' slots settle to 1e-4; on the exponential tail that is `t_s·ln(10⁴)/ln(10³)`; plus
    /// 1 µs to sample. The table's cell has four inputs; a window of another size adds or removes
    /// superdiodes that are off (reverse-biased diodes carry no current), not time constants.
    static func settlingTime(measured ts: Double) -> Double { ts * 4 / 3 + 1e-6 }
    /// The slot length (s) without a characterised table: the winning superdiode is a follower
    /// (noise gain 1) that settles to 1e-4 in 9.2 time constants of 16 ns, twice over for the
    /// losers' recovery, plus 1 µs to sample (an estimate: 1.29 µs).
    static let estimatedSettlingTime = 2 * 9.2 / (2 * Double.pi * 10e6) + 1e-6
    var cellSubcircuits: [String: String] { [cellName: MaxCircuit(inputs: window).netlist.subcircuitText(name: cellName)] }

    var text: String {
        var lines = ["* \(name): \(summary)", "* One \(cellName) (MaxCircuit, \(window) inputs) per channel: m<c> = max_j i<c>_<j>."]
        lines += wrapped(".subckt \(name)", ports)
        for c in 1...channels {
            lines += wrapped("XM\(c)", (1...window).map { "i\(c)_\($0)" } + ["m\(c)", "vcc", "vee", cellName])
        }
        lines.append(".ends \(name)")
        return lines.joined(separator: "\n") + "\n"
    }
}
