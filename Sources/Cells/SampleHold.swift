import Foundation

/// Capacitor sample-and-hold weight cell: a switch writes the bus `in` onto CH while `wr` is high;
/// a unity follower (netlists/opamp.lib) reads the held weight out.
///
/// Held, the weight droops as `w_k·exp(−(t − t_k)/τ)` with
/// `τ = CH/(1/RLEAK + 1/ROFF + 1/(RIN·(1 + A)))` (s), RIN = 1 MΩ and A = 1e5 the follower's input
/// resistance and gain. Ports: `in` (weight bus), `wr` (write pulse), `out`.
///
/// The default (CH = 1 nF, RLEAK = 1 GΩ, `Switch(.ideal(ron: 100, roff: 1e12))`) is
/// netlists/sample_hold_weight.cir.
public struct SampleHold: Cell, Equatable {
    /// Hold capacitor CH (F).
    public var capacitance: Double
    /// The write switch.
    public var `switch`: Switch
    /// Explicit leakage resistor RLEAK across CH (Ω).
    public var leakage: Double

    public init(capacitance: Double = 1e-9, switch: Switch = Switch(), leakage: Double = 1e9) {
        self.capacitance = capacitance
        self.switch = `switch`
        self.leakage = leakage
    }

    public var name: String { "sample_hold_weight" }

    /// The hold time constant τ (s) with an ideal switch's ROFF (a MOS switch: RLEAK and RIN only).
    public var holdTimeConstant: Double {
        var conductance = 1 / leakage + 1 / (1e6 * (1 + 1e5))
        if case .ideal(_, let roff) = self.switch.kind { conductance += 1 / roff }
        return capacitance / conductance
    }

    public var netlist: CellNetlist {
        let p = SpiceText.plain
        let rc = leakage * capacitance
        var components: [String]
        var settle = "it settles within the 0.2 ms pulse"
        switch self.switch.kind {
        case .ideal(let ron, let roff):
            settle = "RON*CH = \(p(ron * capacitance * 1e6)) us: " + settle
            components = [
                "  S1: VT = 2.5 V, VH = 0.1 V, RON = \(p(ron)) ohm, ROFF = \(p(roff)) ohm (leak w*\(p(1 / roff)) A, "
                    + "1/\(p(roff / leakage)) of",
                "  RLEAK's). RLEAK models the capacitor's and switch's leakage explicitly.",
            ]
        case .mos:
            components = ["  M1: \(self.switch.text).", "  RLEAK models the capacitor's and switch's leakage explicitly."]
        }
        let isDefault = self == SampleHold()
        let documentation =
            [
                "What it computes:",
                "  while the write pulse is high, switch S1 connects the weight bus (in) to the hold",
                "  capacitor CH (\(settle)); when it falls the",
                "  capacitor keeps the written weight w_k, read out through a unity follower:",
                "    vout(t) = w_k * exp(-(t - t_k)/(RLEAK*CH))    for t_k < t < next write",
                "  t_k = end of the k-th write pulse, RLEAK = \(p(leakage / 1e9)) Gohm, CH = \(p(capacitance * 1e9)) nF: "
                    + "droop time constant \(p(rc)) s,",
                "  \(String(format: "%.2g", 0.1 / rc)) % per millisecond of hold.",
                "Schedule (TSTOP = 5 ms): weight slot k = 0..4 starts at k ms; the bus carries",
                "  w = 2, -1.5, 3.3, 0.7, -2.5 V from k+0.3 to k+0.7 ms and 0 V otherwise; the write pulse",
                "  is high from k+0.4 to k+0.6 ms (1 us edges), so the bus is at w_k throughout the write and",
                "  at 0 V for most of the hold, which the held weight must not follow.",
                "Components:",
            ] + components + [
                "  Follower: netlists/opamp.lib wired as a unity buffer (gain 1 - 1e-5; its 1 Mohm input",
                "  resistance sees only the ~w/1e5 differential voltage, so it does not load CH).",
                "Ports / nodes:",
                "  in  weight bus (VIN)    wr  write pulse (VWR)    hold  capacitor    out  weight read-out",
                "Characterisation (kelvin characterize sample_hold_weight): VWR's DC value is 5 V, so in .op/.dc",
                "  the cell is writing (switch closed) and the DC table is the write-through transfer",
                "  out(in) = in*(1 - 1e-5); the transient starts from the PULSE's 0 V as before. droop= measures",
                "  the hold time constant over 0.75 ... 1.25 ms of the schedule below (w0 = 2 V held, bus at 0 V).",
                "  CH discharges through RLEAK, ROFF (to the bus) and the follower's RIN = 1 Mohm, which sees",
                "  hold/(1 + A), A = 1e5: tau = CH/(1/RLEAK + 1/ROFF + 1/(RIN*(1 + A))) = "
                    + String(format: "%.4g", holdTimeConstant) + " s" + (isDefault ? " (ngspice: 0.98908 s)," : ","),
                "  i.e. the follower's input adds \(String(format: "%.2g", leakage / (1e6 * (1 + 1e5)) * 100)) % to the leak "
                    + "(RLEAK*CH alone is \(p(rc)) s).",
            ]
        return CellNetlist(
            summary: "capacitor sample-and-hold used as an analog weight cell",
            documentation: documentation,
            characterization: CharacterizationHeader(fields: "input=VIN -5:5:21 output=out droop=0.75m:1.25m", ideal: "x"),
            includes: ["opamp.lib"],
            ports: [Port("in", "input"), Port("wr", "control"), Port("out", "output")],
            cards: [
                .text(
                    """
                    VIN   in 0 DC 0 PWL(0 0 0.3m 0 0.301m 2 0.7m 2 0.701m 0 1.3m 0 1.301m -1.5 1.7m -1.5 1.701m 0
                    + 2.3m 0 2.301m 3.3 2.7m 3.3 2.701m 0 3.3m 0 3.301m 0.7 3.7m 0.7 3.701m 0
                    + 4.3m 0 4.301m -2.5 4.7m -2.5 4.701m 0)
                    """, role: .bench),
                .element("VWR", ["wr", "0", "DC", "5", "PULSE(0 5 0.4m 1u 1u 0.2m 1m)"], role: .bench),
                self.switch.element("1", a: "in", b: "hold", ctrl: "wr"),
                .element("CH", ["hold", "0", SpiceText.eng(capacitance)]),
                .element("RLEAK", ["hold", "0", SpiceText.eng(leakage)]),
                .element("XA", ["hold", "out", "out", "OPAMP"]),
                .element("RL", ["out", "0", "10k"], role: .bench),
                self.switch.model,
                .text(".tran 10u 5m 0 10u", role: .bench),
            ],
            nameColumn: 5)
    }
}
