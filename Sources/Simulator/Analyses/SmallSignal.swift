import LinearAlgebra
import Netlist

/// A circuit linearised at its DC operating point `x₀`: the base of `.ac`, `.tf`, `.sens` and `.noise`.
///
/// Holds `G = ∂F/∂x(x₀)` (S) and `C = ∂Q/∂x(x₀)` (F, with the Meyer capacitances added) in the
/// circuit's slot order, and the device state of the load at `x₀`. `assemble` forms
/// `Y(ω) = G + jω·C` (plus the frequency-dependent admittances) in a complex LU; at `ω = 0` it is
/// the DC Jacobian.
struct SmallSignalSystem {
    let circuit: Circuit
    /// The operating point: node voltages (V) and branch currents (A).
    let x: [Double]
    /// The load at `x`: Jacobians and device state.
    let buffer: LoadBuffer
    let admittances: [any SmallSignalAdmittance]
    /// Newton iterations the operating point took.
    let iterations: Int

    /// Solves the operating point (named `"\(name) operating point"` in errors) and linearises there.
    init(circuit: Circuit, options: Options, name: String) throws {
        var newton = try NewtonSolver(circuit: circuit, options: options)
        let settings = ContinuationSettings(options: options)
        let op = try newton.operatingPoint(from: newton.zeroState, settings: settings, point: "\(name) operating point",
                                           analysis: name)
        var buffer = LoadBuffer(dimension: circuit.dimension, slots: circuit.pattern.count, states: circuit.stateCount)
        let context = LoadContext(x: op.x, previousState: op.state, gmin: options.gmin)
        for device in circuit.devices { device.load(context, into: &buffer) }
        for device in circuit.devices {
            if let d = device as? any SmallSignalCapacitance {
                d.addSmallSignalCapacitance(state: buffer.state, into: &buffer.jacobianQ)
            }
        }
        self.circuit = circuit
        self.x = op.x
        self.buffer = buffer
        self.admittances = circuit.devices.compactMap { $0 as? any SmallSignalAdmittance }
        self.iterations = newton.iterations
    }

    var dimension: Int { circuit.dimension }

    /// Factors `Y(ω) = G + jω·C` into `lu` (dimension `self.dimension`); `analysis` names a singular matrix.
    func factor(omega: Double, into lu: inout ComplexDenseLU, analysis: String) throws {
        lu.zero()
        for (k, e) in circuit.pattern.enumerated() {
            lu.add(e.row, e.column, re: buffer.jacobianF[k], im: omega * buffer.jacobianQ[k])
        }
        for d in admittances { d.addSmallSignalAdmittance(omega: omega, state: buffer.state, into: &lu) }
        do {
            try lu.factor()
        } catch LinearAlgebraError.singular(let column) {
            throw SimulatorError.singularMatrix(analysis: analysis, unknown: circuit.label(min(max(column, 0), dimension - 1)))
        }
    }

    /// The right-hand side of a unit excitation of the independent source at `devices[index]`:
    /// 1 V on a V source's branch row, or 1 A through an I source (from n+ through it to n−).
    func unitExcitation(source index: Int) -> [ComplexDouble] {
        var rhs = [ComplexDouble](repeating: ComplexDouble(0), count: dimension)
        if let v = circuit.devices[index] as? VoltageSource {
            if v.branch != groundIndex { rhs[v.branch] = ComplexDouble(1) }
        } else if let i = circuit.devices[index] as? CurrentSource {
            if i.a != groundIndex { rhs[i.a] = ComplexDouble(-1) }
            if i.b != groundIndex { rhs[i.b] = ComplexDouble(1) }
        }
        return rhs
    }

    /// A right-hand side injecting 1 A into node `into` and drawing it from node `from`.
    func unitCurrent(into: Int, from: Int) -> [ComplexDouble] {
        var rhs = [ComplexDouble](repeating: ComplexDouble(0), count: dimension)
        if into != groundIndex { rhs[into].re += 1 }
        if from != groundIndex { rhs[from].re -= 1 }
        return rhs
    }

    /// The value of unknown `k` in a solution (0 for ground).
    static func value(_ solution: [ComplexDouble], _ k: Int) -> ComplexDouble {
        k == groundIndex ? ComplexDouble(0) : solution[k]
    }
}

extension Circuit {
    /// The unknowns of an output: the node pair of `v(p,n)`, or the branch of `i(vname)`.
    func unknowns(of output: OutputVariable, card: String, location: String) throws -> (Int, Int) {
        func node(_ name: String) throws -> Int {
            if name == "0" { return groundIndex }
            guard let k = unknownNames.indices.first(where: { unknownNames[$0] == name && unknownKinds[$0] == .node }) else {
                throw SimulatorError.invalidAnalysis(card: card, reason: "no node '\(name)' in the circuit", location: location)
            }
            return k
        }
        switch output {
        case .voltage(let p, let n): return (try node(p), try node(n))
        case .current(let source):
            guard let s = sources[source], let v = devices[s] as? VoltageSource else {
                throw SimulatorError.invalidAnalysis(
                    card: card, reason: "'\(source)' in \(output) is not a voltage source of the circuit", location: location)
            }
            return (v.branch, groundIndex)
        }
    }

    /// The index in `devices` of the input source of a `.tf`/`.noise` card, checked.
    func inputSource(_ name: String, card: String, location: String) throws -> Int {
        guard let s = sources[name] else {
            throw SimulatorError.invalidAnalysis(
                card: card, reason: "'\(name)' is not an independent V or I source of the circuit", location: location)
        }
        return s
    }
}
