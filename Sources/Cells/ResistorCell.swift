import Foundation

/// A resistive weight: one resistor between the input row `in` and a column line `out` held at
/// virtual ground, the element of a `Crossbar`, characterised as a multiply cell `f(x, w)`.
///
/// The weight is the conductance in units of `1/RF`: `G = w/RF` (S), so `R1 = RF/w` (Ω). Into the
/// virtual ground (the bench's zero-volt source VSENSE; in a crossbar the column op-amp's summing
/// node) it conducts `i = x·G = x·w/RF` (A) at input `x` (V). The bench reads that current as the
/// column's transimpedance stage does, through an ideal transresistance `−RF` (HOUT, a CCVS whose
/// gain, rails and energy are not the cell's but the column summer's), so the table is
/// `f(x, w) = −RF·i = −x·w` (V): rank 1, gain `κ = −1`.
///
/// A resistor's value is not a source, so `w` is the deck's `.param gw` (`R1 in out {RF/gw}`),
/// which the characterisation sweeps by re-reading the deck at each value (`SweepAxis.parameter`):
/// a Monte Carlo instance draws R1 once and keeps that relative error at every `w` (resistor
/// tolerance `R`). Energy: the row driver VIN delivers `x²·G` (dissipated in R1) while the column
/// settles. Ports: `in`, `out`.
///
/// The default (RF = 10 kΩ, w = 0.02 … 1, i.e. 500 kΩ … 10 kΩ, inputs ±1 V, bench w = 0.51) is
/// netlists/resistor.cir, with the ranges of the compiler's `resistor` cell flavour.
public struct ResistorCell: Cell, Equatable {
    /// The conductance unit `1/RF` and the read-out's transresistance RF (Ω).
    public var feedback: Double
    /// The bench's weight `w = RF·G` (the deck's `.param gw`; the dynamics step runs at it).
    public var weight: Double
    /// The characterised weight range (`w`, dimensionless, > 0).
    public var weightRange: ClosedRange<Double>

    public init(feedback: Double = 10e3, weight: Double = 0.51, weightRange: ClosedRange<Double> = 0.02...1) {
        self.feedback = feedback
        self.weight = weight
        self.weightRange = weightRange
    }

    /// The cell with resistance `resistance` (Ω) at the bench: `w = RF/R`.
    public init(resistance: Double, feedback: Double = 10e3) {
        self.init(feedback: feedback, weight: feedback / resistance)
    }

    public var name: String { "resistor" }

    /// R1 at the bench's weight (Ω): `RF/w`.
    public var resistance: Double { feedback / weight }

    /// One operation's duration (s): the row is driven while the column settles, the
    /// summing_amplifier's settling time to 0.1 % (0.30 µs) rounded.
    public static let operationTime = 300e-9

    public var netlist: CellNetlist {
        let p = SpiceText.plain, rf = SpiceText.eng(feedback)
        let (lo, hi) = (weightRange.lowerBound, weightRange.upperBound)
        let ohms = { (r: Double) in String(format: "%.3g kohm", r / 1e3) }
        let siemens = weight / feedback
        let energy = 1 * siemens * Self.operationTime
        let documentation = [
            "What it computes:",
            "  R1 joins the input row (VIN, x volts) to a column line held at 0 V: a virtual ground, here the",
            "  zero-volt source VSENSE, in a crossbar the summing node of the column's op-amp. It conducts",
            "    i = x*G,  G = 1/R1 = w/RF          (A; RF = \(ohms(feedback)), w = RF*G the weight, dimensionless)",
            "  and the bench reads i as the column's transimpedance stage does, through an ideal",
            "  transresistance -RF (HOUT, a current-controlled voltage source):",
            "    y = -RF*i = -x*w                  (V)",
            "  The read-out's own finite gain, rails and energy are the column summer's (summing_amplifier).",
            "The weight: w = RF*G = \(p(lo)) ... \(p(hi)) (R1 = \(ohms(feedback / lo)) ... \(ohms(feedback / hi))), "
                + "the parameter GW of R1 = {RF/gw}.",
            "  A resistor's value is not a source, so the characterisation sweeps the .param: Kelvin reads the",
            "  deck again at each value (as ngspice's alterparam + reset); a Monte Carlo instance draws R1 once",
            "  and keeps its relative error at every w (the resistor tolerance is the cell's mismatch).",
            "Ports / nodes:",
            "  in  input row (VIN)     out  column line (virtual ground, VSENSE)     y  read-out (bench)",
            "Sweep: vin from -1 V to 1 V in 0.1 V steps at w = \(p(weight)) (R1 = \(ohms(resistance))).",
            "Energy: the row driver VIN delivers x^2*G, dissipated in R1, while the column settles: one operation",
            "  lasts optime = \(p(Self.operationTime * 1e9)) ns (summing_amplifier settles to 0.1 % in 0.30 us). The step 0 -> 1 V "
                + "at w = \(p(weight))",
            "  gives 1 V^2 * \(p(siemens * 1e6)) uS * \(p(Self.operationTime * 1e9)) ns = \(String(format: "%.3g", energy * 1e12)) pJ, "
                + "all of it dynamic (no input, no current:",
            "  a resistor has no static power).",
            "Characterisation (kelvin characterize resistor): a 2-D table, x = vin (VIN, -1 ... 1 V, 21 points)",
            "  outer, w = gw (GW, \(p(lo)) ... \(p(hi)), 50 points) inner; ideal -x*w.",
        ]
        return CellNetlist(
            summary: "resistive weight, i = x*G into a virtual ground, read as y = -RF*i (2-D: input and conductance)",
            documentation: documentation,
            characterization: CharacterizationHeader(
                fields: "input=VIN -1:1:21 input=GW \(p(lo)):\(p(hi)):50 output=y tstop=2u step=0:1 supplies=VIN "
                    + "optime=\(p(Self.operationTime * 1e9))n",
                ideal: "-x*w"),
            ports: [Port("in", "input"), Port("out", "output")],
            cards: [
                .text(".param gw=\(p(weight))", role: .model),
                .element("VIN", ["in", "0", "DC", "1"], role: .bench),
                .element("R1", ["in", "out", "{\(rf)/gw}"]),
                .element("VSENSE", ["out", "0", "DC", "0"], role: .bench),
                .element("HOUT", ["y", "0", "VSENSE", "-\(rf)"], role: .bench),
                .text(".dc VIN -1 1 0.1", role: .bench),
            ],
            nameColumn: 6)
    }
}
