/// A resistive weight: one resistor R between `in` and `out`, the element of a `Crossbar`.
///
/// Into a virtual ground (the bench's zero-volt source VSENSE at `out`) it conducts `i = vin/R` (A):
/// the weight is the conductance G = 1/R. Ports: `in`, `out`.
public struct ResistorCell: Cell, Equatable {
    /// Resistance R (Ω).
    public var resistance: Double

    public init(resistance: Double = 10e3) { self.resistance = resistance }

    public var name: String { "resistor" }

    public var netlist: CellNetlist {
        let r = SpiceText.eng(resistance)
        return CellNetlist(
            summary: "resistive weight, i = vin/R into a virtual ground",
            documentation: [
                "What it computes: i = vin/R = vin/\(r) (A), measured by the zero-volt source VSENSE",
                "  that holds out at 0 V (a virtual ground, as a crossbar row's op-amp does).",
                "Ports / nodes:  in  input (VIN)    out  output (into VSENSE)",
            ],
            characterization: CharacterizationHeader(fields: "input=VIN -1:1:21 output=i(VSENSE)", ideal: "x/\(r)"),
            ports: [Port("in", "input"), Port("out", "output")],
            cards: [
                .element("VIN", ["in", "0", "DC", "1"], role: .bench),
                .element("R1", ["in", "out", r]),
                .element("VSENSE", ["out", "0", "DC", "0"], role: .bench),
                .text(".dc VIN -1 1 0.1", role: .bench),
            ])
    }
}
