/// Analog maximum of N inputs (max-pooling): `vout = max_k v_k`, from N op-amp "superdiodes"
/// sharing one output.
///
/// Stage k is an op-amp (netlists/opamp.lib's supplied `OPAMPS`, supply pins `vcc`/`vee` for the
/// energy per operation) whose non-inverting input is `in<k>`, whose inverting
/// input is the common output `out`, and whose output drives `out` through diode D<k>. A pull-down
/// resistor RPD from `out` to the negative supply `vee` draws current through the conducting
/// diode. The stage with the largest input conducts and closes its loop, so
/// `vout = v_max − (vout + VD)/A ≈ v_max` (A = 1e5, VD ≈ 0.65 V: error ≈ 0.1 mV); every other
/// stage sees `vout > v_k`, saturates at −12 V and reverse-biases its diode. The diode drop sits
/// inside the loop: no dead zone. Range: vout from `V(vee)` + RPD·(leak) up to about +11 V (the
/// op-amp clamp, 12 V, less one diode drop); ±10 V with `vee` at −15 V. Ports: `in1 … inN`, `out`,
/// `vcc`, `vee`.
///
/// The default (4 inputs, RPD = 10 kΩ) is netlists/max_circuit.cir; its bench sweeps in1 over
/// −10 … 10 V with in2 … in4 held at 1, 0, −1 V, so `vout = max(v1, 1 V)`.
public struct MaxCircuit: Cell, Equatable {
    /// Number of inputs N ≥ 1.
    public var inputs: Int
    /// Pull-down resistor RPD from `out` to `vee` (Ω).
    public var pulldown: Double

    public init(inputs: Int = 4, pulldown: Double = 10e3) {
        self.inputs = inputs
        self.pulldown = pulldown
    }

    public var name: String { "max_circuit" }

    /// The DC value (V) of input k (1-based) in the deck: in1 at 0 V (swept), in2 … at 1, 0, −1, ….
    func benchValue(_ k: Int) -> Double { k == 1 ? 0 : Double(3 - k) }

    public var netlist: CellNetlist {
        let n = inputs
        let held = n > 1 ? (2...n).map { "v\($0) = \(SpiceText.plain(benchValue($0))) V" }.joined(separator: ", ") : ""
        let heldMax = n > 1 ? (2...n).map(benchValue).max()! : nil
        let documentation = [
            "What it computes (max-pooling):",
            "  vout = max(v1, ..., v\(n))",
            "How: \(n) op-amp \"superdiode\" stages share the output. Stage k (op-amp XA<k>, diode D<k>) has",
            "  in<k> on its non-inverting input and out on its inverting input, and drives out through",
            "  D<k>; RPD = \(SpiceText.plain(pulldown / 1e3)) kohm pulls out down to vee. The stage with the largest input",
            "  conducts and closes its loop: vout = vmax - (vout + VD)/1e5, about 0.1 mV low. The",
            "  others see vout > v<k>, saturate at -12 V and reverse-bias their diodes. The diode drop",
            "  is inside the loop (no dead zone). Range: about -14 V (vee = -15 V) to +11 V (op-amp",
            "  clamp 12 V less one diode drop), so +/-10 V within a millivolt.",
            "Ports / nodes:",
            "  in1..in\(n)  inputs     out  output (max)     vcc, vee  supplies (+/-15 V; vee also the pull-down's)",
            "  a<k>  op-amp k's output (one diode drop above vout for the winning stage)",
            "Sweep: v1 from -10 V to 10 V (0.1 V steps)" + (n > 1 ? " with \(held) held." : "."),
            "Op-amp: netlists/opamp.lib, the supplied variant OPAMPS on VCC/VEE = +/-15 V (same signal path as",
            "  OPAMP), so the supplies' currents give the energy per operation: \(n) x 1 mA quiescent, the",
            "  winning stage's output current and RPD's current into vee.",
            "  Reference: Tests/Fixtures/max_circuit.dc1.csv (ngspice-39).",
            "Characterisation (kelvin characterize max_circuit [--param inputs=N]): settling and supply",
            "  energy for a -5 V -> 5 V step of v1 (stage 1 takes over from the largest held input).",
        ]
        var cards: [Card] = (1...n).map {
            .element("V\($0)", ["in\($0)", "0", "DC", SpiceText.plain(benchValue($0))], role: .bench)
        }
        cards.append(.element("VCC", ["vcc", "0", "DC", "15"], role: .bench))
        cards.append(.element("VEE", ["vee", "0", "DC", "-15"], role: .bench))
        for k in 1...n {
            cards.append(.element("XA\(k)", ["in\(k)", "out", "a\(k)", "vcc", "vee", "OPAMPS"]))
            cards.append(.element("D\(k)", ["a\(k)", "out", "dmax"]))
        }
        cards += [
            .element("RPD", ["out", "vee", SpiceText.eng(pulldown)]),
            .text(".model dmax D(IS=1e-14 N=1 RS=1)", role: .model),
            .text(".dc V1 -10 10 0.1", role: .bench),
        ]
        return CellNetlist(
            summary: "maximum of \(SpiceText.count(n)) inputs (op-amp superdiodes sharing one output)",
            documentation: documentation,
            characterization: CharacterizationHeader(
                fields: "input=V1 -10:10:201 output=out tstop=5u step=-5:5 supplies=VCC,VEE",
                ideal: heldMax.map { "max(x, \(SpiceText.plain($0)))" } ?? "x"),
            includes: ["opamp.lib"],
            ports: (1...n).map { Port("in\($0)", "input") } + [Port("out", "output"), Port("vcc", "supply"), Port("vee", "supply")],
            cards: cards)
    }
}
