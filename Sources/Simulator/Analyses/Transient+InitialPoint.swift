import Netlist

extension Transient {
    /// The state at time 0.
    ///
    /// Without UIC: the operating point with every source at its time-zero value, `.ic` nodes held
    /// through `NodeHold` (1e10 S). With UIC: no operating point; node voltages are the `.ic` values
    /// (0 elsewhere), inductor currents their `ic=` (0 without), and a capacitor with `ic=` starts
    /// with charge `C·ic` (without `ic=`, `C` times its `.ic` node voltage difference), as ngspice.
    /// Returns the state and the Newton iterations the operating point took.
    static func initialPoint(
        circuit: Circuit, parameters p: Parameters, deck: Deck, name: String
    ) throws -> (NewtonState, Int) {
        var nodeIndex: [String: Int] = [:]
        for k in circuit.unknownNames.indices where circuit.unknownKinds[k] == .node {
            nodeIndex[circuit.unknownNames[k]] = k
        }
        let ics = deck.initialConditions.compactMap { node, value in nodeIndex[node].map { ($0, value) } }
            .sorted { $0.0 < $1.0 }
        let timeZero = TransientTerms(time: 0, alpha: 0, history: [])

        if !p.useInitialConditions {
            var held = circuit
            for (k, value) in ics {
                held.devices.append(NodeHold(name: "ic(\(circuit.unknownNames[k]))", node: k, value: value,
                                             diagonal: circuit.diagonals[k]))
            }
            var op = try NewtonSolver(circuit: held, options: deck.options)
            op.transient = timeZero
            let settings = ContinuationSettings(options: deck.options)
            let solution = try op.operatingPoint(from: op.zeroState, settings: settings, point: "\(name) initial operating point",
                                                 analysis: name)
            return (solution, op.iterations)
        }

        var x = Array(repeating: 0.0, count: circuit.dimension)
        for (k, value) in ics { x[k] = value }
        for device in circuit.devices {
            if let l = device as? Inductor, let ic = l.initialCondition, l.branch != groundIndex { x[l.branch] = ic }
        }
        // One load at x gives the charges (and the device state to start limiting from).
        var buffer = LoadBuffer(dimension: circuit.dimension, slots: circuit.pattern.count, states: circuit.stateCount)
        var context = LoadContext(x: x, previousState: buffer.state, gmin: deck.options.gmin)
        context.waveforms = true
        for device in circuit.devices { device.load(context, into: &buffer) }
        var charges = buffer.q
        for device in circuit.devices {
            guard let c = device as? Capacitor, let ic = c.initialCondition else { continue }
            let dq = c.capacitance * (ic - (context.v(c.a) - context.v(c.b)))
            if c.a != groundIndex { charges[c.a] += dq }
            if c.b != groundIndex { charges[c.b] -= dq }
        }
        return (NewtonState(x: x, state: buffer.state, charges: charges), 0)
    }
}
