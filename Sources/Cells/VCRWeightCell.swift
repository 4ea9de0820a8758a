import Foundation

/// Weight cell: an inverting amplifier whose input resistor is an NMOS voltage-controlled resistor.
///
/// M1 (level 1, triode, source on the virtual ground) conducts
/// `i = KP·(W/L)·((vg − VTO)·vin − vin²/2)` (A), so `vout = −RF·i` and the small-signal gain is
/// `−RF·KP·(W/L)·(vg − VTO)`: the weight is set by the control voltage `vg` (V). The op-amp is
/// netlists/opamp.lib's supplied `OPAMPS` (same signal path as `OPAMP`; supply pins `vcc`/`vee`
/// for the energy per operation). Ports: `in`, `g` (control), `out`, `vcc`, `vee`.
///
/// The default (W = 10 µm, L = 1 µm, KP = 100 µA/V², VTO = 1 V, RF = 10 kΩ) is
/// netlists/nmos_vcr_amplifier.cir. The bench sweeps vin over ±50 mV and vg over VTO + 1 … VTO + 4 V.
public struct VCRWeightCell: Cell, Equatable {
    /// Channel width W (m).
    public var width: Double
    /// Channel length L (m).
    public var length: Double
    /// Transconductance parameter KP (A/V²).
    public var kp: Double
    /// Threshold voltage VTO (V).
    public var vto: Double
    /// Feedback resistor RF (Ω).
    public var feedback: Double

    public init(width: Double = 10e-6, length: Double = 1e-6, kp: Double = 100e-6, vto: Double = 1, feedback: Double = 10e3) {
        self.width = width
        self.length = length
        self.kp = kp
        self.vto = vto
        self.feedback = feedback
    }

    public var name: String { "nmos_vcr_amplifier" }

    /// `RF·KP·W/L` (1/V): the gain per volt of overdrive.
    public var gainPerVolt: Double { feedback * kp * width / length }

    /// The bench step's settling estimate (s): the op-amp (GBW 10 MHz) at the bench's noise gain
    /// `NG = 1 + 2·RF·KP·W/L` (vg = VTO + 2 V) settles to 0.1 % in `ln(1000)·NG/(2π·GBW)`.
    public var stepSettlingEstimate: Double { log(1000) * (1 + 2 * gainPerVolt) / (2 * Double.pi * 10e6) }

    public var netlist: CellNetlist {
        let p = SpiceText.plain
        let k = gainPerVolt
        let lo = vto + 1, hi = vto + 4
        // The transient runs twice the settling estimate (whole µs): the output must settle before 0.9·tstop.
        let stopMicroseconds = Int((2 * stepSettlingEstimate / 1e-6).rounded(.up))
        let stepSettling = String(format: "%.2g", stepSettlingEstimate / 1e-6)
        let ratio = p(width / length)
        let documentation = [
            "What it computes:",
            "  M1 in its triode region (small vds) is the input resistor of an inverting amplifier;",
            "  its drain-source conductance is set by the control voltage vg on the gate:",
            "    gds = KP*(W/L)*(vg - VTO)                  (level 1, vds -> 0, source at 0 V)",
            "    gain = vout/vin = -RF*gds = -RF*KP*(W/L)*(vg - VTO)",
            "  KP = \(p(kp * 1e6)) uA/V^2, W/L = \(p(width * 1e6)) um / \(p(length * 1e6)) um, VTO = \(p(vto)) V, "
                + "RF = \(p(feedback / 1e3)) kohm:",
            "    gain = -\(p(k)) * (vg - \(p(vto)) V)/V: -\(p(k * (lo - vto))) at vg = \(p(lo)) V ... "
                + "-\(p(k * (hi - vto))) at vg = \(p(hi)) V.",
            "  Large signal (level 1 triode, source on the virtual ground, GAMMA = LAMBDA = 0):",
            "    i = KP*(W/L)*((vg - VTO)*vin - vin^2/2),  vout = -RF*i",
            "  holds for both signs of vin (the device is symmetric: for vin < 0 drain and source swap",
            "  and the formula is the same), so the VCR's nonlinearity is vin/(2*(vg - VTO)): "
                + "\(p(0.05 / (2 * (lo - vto)) * 100)) %",
            "  at vin = 50 mV, vg = \(p(lo)) V.",
            "Ports / nodes:",
            "  in  input (VIN)     g  control voltage (VG)     sum  virtual ground     out  output",
            "Sweep: vin = -50 ... 50 mV (10 mV steps) inside, vg = \(p(lo)) ... \(p(hi)) V (0.5 V steps) outside.",
            "Op-amp: netlists/opamp.lib (noise gain 1 + gain: <= \(p(1 + k * (hi - vto))), "
                + "error \(SpiceText.sci((1 + k * (hi - vto)) / 1e5, digits: 1)) relative). It is the supplied",
            "  variant OPAMPS on VCC/VEE = +/-15 V (same signal path as OPAMP), so the supplies' currents give",
            "  the energy per operation: 1 mA quiescent plus the output current (load RL and feedback RF).",
            "Characterisation (kelvin characterize nmos_vcr_amplifier): a 2-D table, x = vin (VIN, -50 ... 50 mV,",
            "  21 points) outer, w = vg (VG, \(p(lo)) ... \(p(hi)) V, 13 points) inner; ideal: the large-signal law above;",
            "  settling and supply energy for a -50 mV -> 50 mV input step at vg = \(p(vto + 2)) V (one operation: the",
            "  output settles to 0.1 %, about 7 closed-loop time constants at noise gain \(p(1 + 2 * k)): "
                + "\(stepSettling) us).",
        ]
        return CellNetlist(
            summary: "inverting amplifier whose gain is set by an NMOS voltage-controlled resistor",
            documentation: documentation,
            characterization: CharacterizationHeader(
                fields: "input=VIN -50m:50m:21 input=VG \(p(lo)):\(p(hi)):13 output=out tstop=\(stopMicroseconds)u supplies=VCC,VEE",
                ideal: "-\(SpiceText.eng(feedback))*\(SpiceText.eng(kp))*\(ratio)*((w - \(p(vto)))*x - x*x/2)"),
            includes: ["opamp.lib"],
            ports: [Port("in", "input"), Port("g", "control"), Port("out", "output"), Port("vcc", "supply"), Port("vee", "supply")],
            cards: [
                .element("VIN", ["in", "0", "DC", "10m"], role: .bench),
                .element("VG", ["g", "0", "DC", p(vto + 2)], role: .bench),
                .element("M1", ["in", "g", "sum", "0", "nvcr", "W=\(SpiceText.eng(width))", "L=\(SpiceText.eng(length))"]),
                .element("RF", ["sum", "out", SpiceText.eng(feedback)]),
                .element("VCC", ["vcc", "0", "DC", "15"], role: .bench),
                .element("VEE", ["vee", "0", "DC", "-15"], role: .bench),
                .element("XA", ["0", "sum", "out", "vcc", "vee", "OPAMPS"]),
                .element("RL", ["out", "0", "10k"], role: .bench),
                .text(".model nvcr NMOS(LEVEL=1 VTO=\(p(vto)) KP=\(SpiceText.eng(kp)))", role: .model),
                .text(".dc VIN -50m 50m 10m VG \(p(lo)) \(p(hi)) 0.5", role: .bench),
            ],
            nameColumn: 3)
    }
}
