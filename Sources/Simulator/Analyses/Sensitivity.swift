import LinearAlgebra
import Netlist

/// `.sens OUTVAR`: DC sensitivity `∂y/∂p` of an output `y` to the parameters of every R, C, L, V,
/// I, E, F, G and H, named per element as ngspice's `sens` plot.
///
/// At the operating point `x₀` of `F(x) = B`, a parameter `p` moves the solution by
/// `∂x/∂p = −G⁻¹·∂(F − B)/∂p` with `G = ∂F/∂x(x₀)` (the direct method on the linearised system,
/// exact for these linear elements):
/// - resistor `R` between `a` and `b` (`F_a += (v_a − v_b)/R`): `∂x/∂R = (v_a − v_b)/R² · G⁻¹·e_ab`,
///   `e_ab` a unit current into `a` out of `b`; `name` = `∂y/∂R` (V/Ω), `name_m` = `−R·∂y/∂R`
///   (`R/m`), `name_scale` = `R·∂y/∂R`;
/// - V or I source of value `s`: `∂x/∂s = G⁻¹·e_s` (the unit excitation); `name` = `∂y/∂s`, and for
///   an I source `name_m` = `s·∂y/∂s`;
/// - controlled sources, `name_gain`: E (`F_k −= A·v_cd`) `∂x/∂A = v_cd·G⁻¹·e_k`; G (`F_a += g·v_cd`)
///   `∂x/∂g = v_cd·G⁻¹·e_ba`; F (`F_a += β·i_c`) `∂x/∂β = i_c·G⁻¹·e_ba`; H (`F_k −= r·i_c`)
///   `∂x/∂r = i_c·G⁻¹·e_k`, with `e_k` a unit entry on the branch row;
/// - parameters that do not change the DC solution (C and L values, L and W of a resistor, the
///   breakdown and noise parameters ngspice lists) are 0.
/// Semiconductor and switch parameters are not computed (the parser warns at `.sens`).
enum Sensitivity {
    static func run(circuit: Circuit, output: OutputVariable, deck: Deck, name: String,
                    location: String) throws -> SimulationResult {
        let (p, n) = try circuit.outputUnknowns(output, card: ".sens", location: location)
        let system = try SmallSignalSystem(circuit: circuit, options: deck.options, name: name)
        var lu = ComplexDenseLU(dimension: system.dimension)
        try system.factor(omega: 0, into: &lu, analysis: name)
        func response(_ rhs: [ComplexDouble]) throws -> Double {
            var x = rhs
            try lu.solve(&x)
            return SmallSignalSystem.value(x, p).re - SmallSignalSystem.value(x, n).re
        }
        func v(_ k: Int) -> Double { k == groundIndex ? 0 : system.x[k] }
        func unitBranch(_ k: Int) -> [ComplexDouble] {
            var rhs = [ComplexDouble](repeating: ComplexDouble(0), count: system.dimension)
            if k != groundIndex { rhs[k] = ComplexDouble(1) }
            return rhs
        }

        var names: [String] = []
        var values: [Double] = []
        func add(_ name: String, _ value: Double) {
            names.append(name)
            values.append(value)
        }
        // ngspice's order: by device type (its device table: C, F, H, L, I, R, G, E, V), each type in
        // reverse deck order.
        let typeOrder: [Character] = ["c", "f", "h", "l", "i", "r", "g", "e", "v"]
        let order = deck.elements.indices.filter { $0 < circuit.devices.count }.sorted { x, y in
            let tx = typeOrder.firstIndex(of: deck.elements[x].kind.letterForOrder) ?? typeOrder.count
            let ty = typeOrder.firstIndex(of: deck.elements[y].kind.letterForOrder) ?? typeOrder.count
            return tx != ty ? tx < ty : x > y
        }
        for k in order {
            let element = deck.elements[k]
            let e = element.name
            switch circuit.devices[k] {
            case let r as Resistor:
                let resistance = 1 / r.conductance
                let drop = v(r.a) - v(r.b)
                let dR = drop / (resistance * resistance) * (try response(system.unitCurrent(into: r.a, from: r.b)))
                for suffix in [":bv_max", ":lf", ":wf", ":ef"] { add(e + suffix, -0.0) }
                add(e, dR)
                add(e + "_l", -0.0)
                add(e + "_w", -0.0)
                add(e + "_m", -resistance * dR)
                add(e + "_bv_max", -0.0)
                add(e + "_scale", resistance * dR)
            case is Capacitor:
                for suffix in [":bv_max", "_m", "_bv_max", "_scale"] { add(e + suffix, -0.0) }
            case is Inductor:
                add(e + "_m", -0.0)
                add(e + "_scale", -0.0)
            case is VoltageSource:
                add(e, try response(system.unitExcitation(source: k)))
            case let source as CurrentSource:
                let d = try response(system.unitExcitation(source: k))
                add(e, d)
                add(e + "_m", source.dcValue * d)
            case let source as VCVS:
                add(e + "_gain", (v(source.c) - v(source.d)) * (try response(unitBranch(source.branch))))
            case let source as VCCS:
                add(e + "_gain", (v(source.c) - v(source.d)) * (try response(system.unitCurrent(into: source.b, from: source.a))))
            case let source as CCCS:
                add(e + "_gain", v(source.control) * (try response(system.unitCurrent(into: source.b, from: source.a))))
            case let source as CCVS:
                add(e + "_gain", v(source.control) * (try response(unitBranch(source.branch))))
            default:
                continue
            }
        }
        return SimulationResult(
            name: name, plotName: "Sensitivity Analysis", title: deck.title, variables: names, rows: [values],
            newtonIterations: system.iterations)
    }
}

extension ElementKind {
    /// The card letter, for ngspice's device-type order of the `sens` plot.
    fileprivate var letterForOrder: Character {
        switch self {
        case .capacitor: return "c"
        case .cccs: return "f"
        case .ccvs: return "h"
        case .inductor: return "l"
        case .currentSource: return "i"
        case .resistor: return "r"
        case .vccs: return "g"
        case .vcvs: return "e"
        case .voltageSource: return "v"
        default: return "?"
        }
    }
}
