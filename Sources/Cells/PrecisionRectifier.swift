/// Inverting precision half-wave rectifier: `vout = (RF/R1)·max(0, −vin)`, the ReLU of a negated
/// input (what follows an inverting summer or a crossbar row, whose output is −W·x).
///
/// For vin < 0 the op-amp output rises, D2 conducts and RF closes the loop (an inverting amplifier);
/// for vin > 0, D1 clamps the loop one diode drop below ground and RF ties `out` to the virtual
/// ground. The diode drops sit inside the loop, so the op-amp gain (1e5) divides them: no dead zone.
/// The op-amp is netlists/opamp.lib's supplied `OPAMPS` (same signal path as `OPAMP`; supply pins
/// for the energy per operation). Ports: `in`, `out`, `vcc`, `vee`.
///
/// The default (R1 = RF = 10 kΩ, diode IS = 1e-14 A, N = 1, RS = 1 Ω) is netlists/precision_rectifier.cir.
public struct PrecisionRectifier: Cell, Equatable {
    /// Input resistor R1 (Ω).
    public var input: Double
    /// Feedback resistor RF (Ω).
    public var feedback: Double
    /// Diode saturation current IS (A).
    public var saturationCurrent: Double
    /// Diode series resistance RS (Ω).
    public var seriesResistance: Double

    public init(input: Double = 10e3, feedback: Double = 10e3, saturationCurrent: Double = 1e-14, seriesResistance: Double = 1) {
        self.input = input
        self.feedback = feedback
        self.saturationCurrent = saturationCurrent
        self.seriesResistance = seriesResistance
    }

    public var name: String { "precision_rectifier" }

    /// RF/R1.
    public var gain: Double { feedback / input }

    public var netlist: CellNetlist {
        let kohm = { (r: Double) in "\(SpiceText.plain(r / 1e3)) kohm" }
        let values = input == feedback ? "RF = R1 = \(kohm(feedback))" : "RF = \(kohm(feedback)), R1 = \(kohm(input))"
        let relu = gain == 1 ? "ReLU(-vin)" : "\(SpiceText.plain(gain))*ReLU(-vin)"
        let documentation = [
            "What it computes:",
            "  vout = max(0, -vin) * RF/R1 = \(relu)       (\(values))",
            "  i.e. a ReLU of the negated input: the form that follows an inverting summer or a",
            "  crossbar transimpedance row (whose output is -W*x), giving ReLU(W*x).",
            "How: for vin < 0 the op-amp output rises, D2 conducts and RF closes the loop: an",
            "  inverting amplifier, vout = -vin*RF/R1. For vin > 0 the output falls, D1 conducts and",
            "  clamps the summing node's loop one diode drop below ground; D2 is off and RF ties the",
            "  output to the virtual ground: vout = 0. The diode drops sit inside the loop, so there is",
            "  no 0.6 V dead zone: the op-amp gain 1e5 divides it (error ~ 0.6 V/1e5 = 6 uV).",
            "  Residual errors: finite gain (\(SpiceText.plain(1 + gain))/1e5 of vout), D2's reverse leakage at vin > 0 through",
            "  RF (IS*RF = \(SpiceText.sci(saturationCurrent * feedback, digits: 2)) V).",
            "Ports / nodes:",
            "  in  input (VIN)     sum  summing node (virtual ground)",
            "  a   op-amp output (one diode drop beyond vout)       out  rectified output",
            "Sweep: vin from -5 V to 5 V in 50 mV steps.",
            "Op-amp: netlists/opamp.lib, the supplied variant OPAMPS on VCC/VEE = +/-15 V (same signal path as",
            "  OPAMP), so the supplies' currents give the energy per operation: 1 mA quiescent plus the output",
            "  current (D2 into RL and RF while conducting, D1 into the summing node while clamped).",
            "Characterisation (kelvin characterize precision_rectifier --out F.lut): settling and supply",
            "  energy for a -5 V -> 0 V input step (the output falls from 5 V to 0 V, D2 turns off).",
        ]
        let model = "D(IS=\(SpiceText.plain(saturationCurrent)) N=1 RS=\(SpiceText.plain(seriesResistance)))"
        return CellNetlist(
            summary: "inverting precision half-wave rectifier (ReLU)",
            documentation: documentation,
            characterization: CharacterizationHeader(
                fields: "input=VIN -5:5:101 output=out tstop=2u step=-5:0 supplies=VCC,VEE",
                ideal: gain == 1 ? "max(0, -x)" : "\(SpiceText.plain(gain))*max(0, -x)"),
            includes: ["opamp.lib"],
            ports: [Port("in", "input"), Port("out", "output"), Port("vcc", "supply"), Port("vee", "supply")],
            cards: [
                .element("VIN", ["in", "0", "DC", "1"], role: .bench),
                .element("R1", ["in", "sum", SpiceText.eng(input)]),
                .element("D1", ["sum", "a", "drect"]),
                .element("D2", ["a", "out", "drect"]),
                .element("RF", ["out", "sum", SpiceText.eng(feedback)]),
                .element("VCC", ["vcc", "0", "DC", "15"], role: .bench),
                .element("VEE", ["vee", "0", "DC", "-15"], role: .bench),
                .element("XA", ["0", "sum", "a", "vcc", "vee", "OPAMPS"]),
                .element("RL", ["out", "0", "10k"], role: .bench),
                .text(".model drect \(model)", role: .model),
                .text(".dc VIN -5 5 50m", role: .bench),
            ],
            nameColumn: 3)
    }
}
