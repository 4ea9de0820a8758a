/// A voltage-controlled switch between `a` and `b`, closed while `ctrl` is high (5 V logic).
///
/// `.ideal(ron:roff:)` is SPICE's `S` element with model `SW(VT=2.5 VH=0.1 RON ROFF)`: resistance
/// RON (Ω) above the threshold 2.5 V ± 0.1 V hysteresis, ROFF below. `.mos(width:length:)` is an
/// NMOS pass transistor (level 1, VTO = 1 V, KP = 100 µA/V², bulk at 0 V): in triode its
/// resistance is `1/(KP·(W/L)·(vctrl − VTO − v))` (Ω) for a channel at v, so it conducts only for
/// signals well below vctrl − VTO (= 4 V at 5 V control). Ports: `a`, `b`, `ctrl`.
public struct Switch: Cell, Equatable {
    /// The switch's implementation.
    public enum Kind: Sendable, Equatable {
        /// `S` element: on resistance RON (Ω), off resistance ROFF (Ω).
        case ideal(ron: Double, roff: Double)
        /// NMOS pass transistor of width W and length L (m).
        case mos(width: Double, length: Double)
    }

    public var kind: Kind
    /// A MOS switch's gate–source and gate–drain overlap capacitance per metre of width (F/m,
    /// SPICE's `CGSO` = `CGDO`; 0: none). The gate's swing couples through them onto the held node
    /// when the switch opens (clock feedthrough, `ΔV ≈ −CGDO·W·Δv_ctrl/(C_H + CGDO·W)`), and
    /// the transient charges them through the channel (charge injection).
    public var overlap: Double
    /// Whether a MOS switch's bulk is a fourth port `bulk` (tied to the lowest supply, so that
    /// signals down to it keep the junctions reverse biased) instead of ground.
    public var bulkPort: Bool

    public init(_ kind: Kind = .ideal(ron: 100, roff: 1e12), overlap: Double = 0, bulkPort: Bool = false) {
        self.kind = kind
        self.overlap = overlap
        self.bulkPort = bulkPort
    }

    /// The sampling switch of `kelvin compile --switch mos`: an NMOS pass transistor W/L =
    /// 1 µm / 1 µm (level 1, VTO = 1 V, KP = 100 µA/V², so `R_on = 1/(KP·(W/L)·(v_ctrl − VTO − v))`
    /// ≈ 2 kΩ at v = 9 V with the gate at 15 V), overlaps CGSO = CGDO = 0.5 nF/m (0.5 fF each),
    /// bulk on its own port (tied to −15 V). Driven from −15 V (open) to +15 V (closed).
    public static let sampling = Switch(.mos(width: 1e-6, length: 1e-6), overlap: 0.5e-9, bulkPort: true)

    /// Whether this is a MOS switch with a bulk port (`a b ctrl bulk`).
    var hasBulk: Bool { if case .mos = kind { return bulkPort } else { return false } }

    public var name: String { "switch" }

    /// The model's name in cards.
    var modelName: String {
        switch kind {
        case .ideal: "swsh"
        case .mos: "nsw"
        }
    }

    /// The element card `S<name> a b ctrl 0 swsh` or `M<name> a ctrl b 0 nsw W= L=`.
    func element(_ suffix: String, a: String, b: String, ctrl: String) -> Card {
        switch kind {
        case .ideal: .element("S\(suffix)", [a, b, ctrl, "0", modelName])
        case .mos(let w, let l):
            .element("M\(suffix)", [a, ctrl, b, hasBulk ? "bulk" : "0", modelName, "W=\(SpiceText.eng(w))", "L=\(SpiceText.eng(l))"])
        }
    }

    /// The `.model` card.
    var model: Card {
        switch kind {
        case .ideal(let ron, let roff):
            .text(".model \(modelName) SW(VT=2.5 VH=0.1 RON=\(SpiceText.plain(ron)) ROFF=\(SpiceText.plain(roff)))", role: .model)
        case .mos:
            .text(".model \(modelName) NMOS(LEVEL=1 VTO=1 KP=100u"
                  + (overlap > 0 ? " CGSO=\(SpiceText.eng(overlap)) CGDO=\(SpiceText.eng(overlap))" : "") + ")", role: .model)
        }
    }

    /// One line about the switch's values.
    public var text: String {
        switch kind {
        case .ideal(let ron, let roff):
            "S element, VT = 2.5 V, VH = 0.1 V, RON = \(SpiceText.plain(ron)) ohm, ROFF = \(SpiceText.plain(roff)) ohm"
        case .mos(let w, let l):
            "NMOS pass transistor W/L = \(SpiceText.plain(w * 1e6)) um / \(SpiceText.plain(l * 1e6)) um, level 1, VTO = 1 V, KP = 100 uA/V^2"
                + (overlap > 0 ? ", CGSO = CGDO = \(SpiceText.eng(overlap)) F/m" : "") + (hasBulk ? ", bulk on port bulk" : "")
        }
    }

    public var netlist: CellNetlist {
        var ideal: String?
        if case .ideal(let ron, _) = kind { ideal = "x*1k/(1k + \(SpiceText.eng(ron)))" }
        return CellNetlist(
            summary: "voltage-controlled switch, closed while ctrl is high",
            documentation: [
                "What it computes (closed, ctrl = 5 V): vb = va*RL/(RL + Ron) into the bench load RL = 1 kohm.",
                "Switch: \(text).",
                "Ports / nodes:  a  input (VA)    b  output    ctrl  control (VCTL)" + (hasBulk ? "    bulk  substrate (VBULK)" : ""),
                "Characterisation (kelvin characterize switch): va from -2 V to 2 V, switch closed.",
            ],
            characterization: CharacterizationHeader(fields: "input=VA -2:2:41 output=b", ideal: ideal),
            ports: [Port("a", "input"), Port("b", "output"), Port("ctrl", "control")] + (hasBulk ? [Port("bulk", "supply")] : []),
            cards: [
                .element("VA", ["a", "0", "DC", "1"], role: .bench),
                .element("VCTL", ["ctrl", "0", "DC", "5"], role: .bench),
            ] + (hasBulk ? [.element("VBULK", ["bulk", "0", "DC", "-15"], role: .bench)] : []) + [
                element("1", a: "a", b: "b", ctrl: "ctrl"),
                .element("RL", ["b", "0", "1k"], role: .bench),
                model,
                .text(".dc VA -2 2 0.1", role: .bench),
            ])
    }
}
