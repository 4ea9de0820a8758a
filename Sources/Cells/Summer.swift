/// Inverting summing amplifier: `vout = −Σᵢ gᵢ·vᵢ` with `gᵢ = RF/Rᵢ`.
///
/// Input resistors `Rᵢ = RF/gᵢ` (Ω) meet at the summing node `sum`, held at virtual ground by an
/// `OPAMPS` (netlists/opamp.lib, gain A = 1e5, supply pins `vcc`/`vee` for the energy per
/// operation); `RF` closes the loop. Closed-loop relative error ≈ (1 + Σ gᵢ)/A.
/// Ports: `in1 … inN` inputs, `out`, `vcc`, `vee`.
///
/// The default (`gains: [1, 0.5, 0.2]`, `RF = 10 kΩ`) is netlists/summing_amplifier.cir.
public struct Summer: Cell, Equatable {
    /// Weights `gᵢ = RF/Rᵢ` (dimensionless, > 0), one per input.
    public var gains: [Double]
    /// Feedback resistor RF (Ω).
    public var feedback: Double
    /// Bench: the DC values (V) of inputs 2 … N while input 1 is swept (missing ones are 0 V).
    public var held: [Double]

    public init(gains: [Double] = [1, 0.5, 0.2], feedback: Double = 10e3, held: [Double] = [1, -2]) {
        self.gains = gains
        self.feedback = feedback
        self.held = held
    }

    public var name: String { "summing_amplifier" }

    /// The DC value of input i (0-based) in the deck: input 1 at 1 V, the others `held`.
    func benchValue(_ i: Int) -> Double { i == 0 ? 1 : (i - 1 < held.count ? held[i - 1] : 0) }

    public var netlist: CellNetlist {
        let n = gains.count
        let rf = SpiceText.eng(feedback)
        let resistors = gains.map { SpiceText.eng(feedback / $0) }
        let ins = (1...n).map { "in\($0)" }
        let column = ins.joined(separator: " ").count + 2
        func pad(_ s: String) -> String { s + String(repeating: " ", count: max(1, column - s.count)) }
        // -(v1 + 0.5 - 0.4) = -(v1 + 0.1): the held inputs' contribution.
        let first = gains[0] == 1 ? "v1" : "\(SpiceText.plain(gains[0]))*v1"
        var terms = ""
        var offset = 0.0
        for i in 1..<n {
            let t = gains[i] * benchValue(i)
            offset += t
            terms += (t < 0 ? " - " : " + ") + SpiceText.plain(abs(t))
        }
        let total = offset == 0 ? "" : (offset < 0 ? " - " : " + ") + SpiceText.plain(abs(offset))
        let held = (1..<n).map { "v\($0 + 1) = \(SpiceText.plain(benchValue($0))) V" }
        let heldText = held.count <= 1 ? held.joined() : held.dropLast().joined(separator: ", ") + " and " + held.last!
        let fitLimit = SpiceText.plain(11 / abs(gains[0]))
        let idealTerms = (1..<n).map { i -> String in
            let v = benchValue(i)
            return " + \(SpiceText.plain(gains[i]))*" + (v < 0 ? "(\(SpiceText.plain(v)))" : SpiceText.plain(v))
        }.joined()
        let error = SpiceText.sci((1 + gains.reduce(0, +)) / 1e5, digits: 2)
        var documentation = [
            "What it computes:",
            "  vout = -(" + (1...n).map { "RF/R\($0) * v\($0)" }.joined(separator: " + ") + ")",
            "  weights w = RF/Ri = " + resistors.map { "\(rf)/\($0)" }.joined(separator: ", ") + " = "
                + gains.map(SpiceText.plain).joined(separator: ", "),
        ]
        if n > 1 {
            documentation.append(
                "  with \(heldText) held constant:  vout = -(\(first)\(terms)) = -(\(first)\(total))")
        }
        documentation += [
            "Ports / nodes:",
            "  " + pad(ins.joined(separator: " ")) + "inputs (driven by " + (1...n).map { "V\($0)" }.joined(separator: " ") + ")",
            "  " + pad("sum") + "the summing node (virtual ground, inverting input of the op-amp)",
            "  " + pad("out") + "output",
            "Sweep: v1 from -15 V to 15 V; beyond |vout| ~ 12 V the op-amp model saturates.",
            "Op-amp: netlists/opamp.lib (open-loop gain 1e5, so the closed-loop error is",
            "  about (1 + sum RF/Ri)/1e5 = \(error) relative). It is the supplied variant OPAMPS on",
            "  VCC/VEE = +/-15 V (same signal path as OPAMP), so the supplies' currents give the energy",
            "  per operation: 1 mA quiescent plus the output current (load RL and feedback RF).",
            "Characterisation (kelvin characterize summing_amplifier --out F.lut): gain/offset fitted on",
            "  |v1| <= \(fitLimit) V (below saturation); settling and supply energy for a -5 V -> 5 V input step.",
        ]
        var cards: [Card] = (0..<n).map { .element("V\($0 + 1)", ["in\($0 + 1)", "0", "DC", SpiceText.plain(benchValue($0))], role: .bench) }
        cards += (0..<n).map { .element("R\($0 + 1)", ["in\($0 + 1)", "sum", resistors[$0]]) }
        cards += [
            .element("RF", ["sum", "out", rf]),
            .element("VCC", ["vcc", "0", "DC", "15"], role: .bench),
            .element("VEE", ["vee", "0", "DC", "-15"], role: .bench),
            .element("XA", ["0", "sum", "out", "vcc", "vee", "OPAMPS"]),
            .element("RL", ["out", "0", "10k"], role: .bench),
            .text(".dc V1 -15 15 0.5", role: .bench),
        ]
        return CellNetlist(
            summary: "inverting summer of \(SpiceText.count(n)) inputs",
            documentation: documentation,
            characterization: CharacterizationHeader(
                fields: "input=V1 -15:15:61 output=out fit=-\(fitLimit):\(fitLimit) tstop=2u step=-5:5 supplies=VCC,VEE",
                ideal: "-(" + (gains[0] == 1 ? "x" : "\(SpiceText.plain(gains[0]))*x") + idealTerms + ")"),
            includes: ["opamp.lib"],
            ports: ins.map { Port($0, "input") } + [Port("out", "output"), Port("vcc", "supply"), Port("vee", "supply")],
            cards: cards)
    }
}
