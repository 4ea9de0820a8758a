import Netlist

extension Circuit {
    /// Creates the device for one deck element; the only place that maps element kinds to devices.
    /// `inductances` gives every inductor's value by name, for `K` couplings.
    static func makeDevice(_ e: Element, unknowns: inout UnknownTable, options: Options,
                           inductances: [String: Double] = [:]) throws -> any Device {
        func node(_ k: Int) throws -> Int {
            guard k < e.nodes.count else {
                throw SimulatorError.invalidElement(
                    element: e.name, reason: "expected more than \(e.nodes.count) nodes", location: e.location.description)
            }
            return unknowns.node(e.nodes[k])
        }
        func invalid(_ reason: String) -> SimulatorError {
            .invalidElement(element: e.name, reason: reason, location: e.location.description)
        }
        func finite(_ value: Double) throws {
            if !value.isFinite { throw invalid("value is not finite") }
        }
        /// The element's own branch-current unknown (V, L, E, H).
        var branch: Int { unknowns.branch(e.name) }
        switch e.kind {
        case .resistor(let r):
            try finite(r)
            guard r != 0 else { throw invalid("zero resistance") }
            return Resistor(name: e.name, a: try node(0), b: try node(1), resistance: r)
        case .capacitor(let c, let ic):
            try finite(c)
            return Capacitor(name: e.name, a: try node(0), b: try node(1), capacitance: c, initialCondition: ic)
        case .inductor(let l, let ic):
            try finite(l)
            return Inductor(name: e.name, a: try node(0), b: try node(1), branch: branch, inductance: l, initialCondition: ic)
        case .voltageSource(let s):
            try finite(s.dcOperatingValue)
            return VoltageSource(name: e.name, a: try node(0), b: try node(1), branch: branch, source: s)
        case .currentSource(let s):
            try finite(s.dcOperatingValue)
            return CurrentSource(name: e.name, a: try node(0), b: try node(1), source: s)
        case .vcvs(let gain):
            try finite(gain)
            return VCVS(name: e.name, a: try node(0), b: try node(1), c: try node(2), d: try node(3), branch: branch, gain: gain)
        case .vccs(let gm):
            try finite(gm)
            return VCCS(name: e.name, a: try node(0), b: try node(1), c: try node(2), d: try node(3), transconductance: gm)
        case .cccs(let src, let gain):
            try finite(gain)
            return CCCS(name: e.name, a: try node(0), b: try node(1), control: unknowns.branch(src), gain: gain)
        case .ccvs(let src, let r):
            try finite(r)
            return CCVS(name: e.name, a: try node(0), b: try node(1), branch: branch, control: unknowns.branch(src),
                        transresistance: r)
        case .diode(let model, let instance):
            let a = try node(0), c = try node(1)
            let ap = model.value("rs", default: 0) > 0 ? unknowns.addInternalNode("\(e.name)#internal") : a
            let d = Diode(name: e.name, anode: a, anodePrime: ap, cathode: c, model: model, instance: instance, options: options)
            let k = d.kernel
            guard k.saturationCurrent > 0, k.vte > 0, k.vcrit.isFinite else { throw invalid("IS and N must be positive") }
            return d
        case .bjt(let model, let instance):
            if let level = model.parameters["level"], level != 1 {
                throw invalid("BJT model level \(format(level)) is not supported (only the Gummel-Poon level 1)")
            }
            let c = try node(0), b = try node(1), em = try node(2)
            // The optional fourth node is the substrate (ground otherwise).
            let sub = e.nodes.count > 3 ? try node(3) : groundIndex
            let area = (instance["area"] ?? 1) * (instance["m"] ?? 1)
            guard area > 0, area.isFinite else { throw invalid("area must be positive") }
            let params = BJT.Parameters(model: model, area: area)
            func prime(_ external: Int, _ g: Double, _ suffix: String) -> Int {
                g > 0 ? unknowns.addInternalNode("\(e.name)#\(suffix)") : external
            }
            let cp = prime(c, params.gc, "collector"), bp = prime(b, params.gb, "base"), ep = prime(em, params.ge, "emitter")
            let q = BJT(name: e.name, collector: c, base: b, emitter: em, substrate: sub, collectorPrime: cp, basePrime: bp,
                        emitterPrime: ep, model: model, instance: instance, options: options)
            guard params.isat > 0, params.nf > 0, params.nr > 0, params.bf > 0, params.br > 0, q.vcrit.isFinite
            else { throw invalid("IS, NF, NR, BF and BR must be positive") }
            return q
        case .mosfet(let model, let instance):
            if let level = model.parameters["level"], level != 1 {
                throw invalid("MOSFET model level \(format(level)) is not supported (only level 1, Shichman-Hodges)")
            }
            let d = try node(0), g = try node(1), s = try node(2), b = try node(3)
            let dp = MOSFET.needsDrainNode(model, instance) ? unknowns.addInternalNode("\(e.name)#drain") : d
            let sp = MOSFET.needsSourceNode(model, instance) ? unknowns.addInternalNode("\(e.name)#source") : s
            let m = MOSFET(name: e.name, drain: d, gate: g, source: s, bulk: b, drainPrime: dp, sourcePrime: sp,
                           model: model, instance: instance, options: options)
            guard m.beta.isFinite, m.beta >= 0 else { throw invalid("W, L and KP must give a finite, non-negative beta (L > 2·LD)") }
            guard m.phi > 0 else { throw invalid("PHI must be positive") }
            return m
        case .voltageSwitch(let model, let instance):
            let logic = SwitchLogic(model: model, instance: instance, thresholdKey: "vt", hysteresisKey: "vh",
                                    gmin: options.gmin)
            return VoltageSwitch(name: e.name, a: try node(0), b: try node(1), controlPositive: try node(2),
                                 controlNegative: try node(3), logic: logic)
        case .currentSwitch(let src, let model, let instance):
            let control = unknowns.branch(src)
            guard control != groundIndex else {
                throw SimulatorError.unknownControllingSource(element: e.name, source: src, location: e.location.description)
            }
            let logic = SwitchLogic(model: model, instance: instance, thresholdKey: "it", hysteresisKey: "ih",
                                    gmin: options.gmin)
            return CurrentSwitch(name: e.name, a: try node(0), b: try node(1), control: control, logic: logic)
        case .mutualInductance(let first, let second, let k):
            guard let l1 = inductances[first] else { throw invalid("'\(first)' is not an inductor of the circuit") }
            guard let l2 = inductances[second] else { throw invalid("'\(second)' is not an inductor of the circuit") }
            guard first != second else { throw invalid("couples '\(first)' with itself") }
            guard l1 * l2 >= 0 else { throw invalid("coupled inductances must have the same sign") }
            let m = k * (l1 * l2).squareRoot()
            try finite(m)
            return MutualInductance(name: e.name, first: unknowns.branch(first), second: unknowns.branch(second), mutual: m)
        case .behavioralVoltage(let f):
            return BehavioralVoltageSource(name: e.name, a: try node(0), b: try node(1), branch: branch,
                                           inputs: try behavioralInputs(f))
        case .behavioralCurrent(let f):
            return BehavioralCurrentSource(name: e.name, a: try node(0), b: try node(1), inputs: try behavioralInputs(f))
        }

        /// The unknowns the expression of a behavioural source reads; a node no element connects,
        /// or an `i()` of an element without a branch current, is an error at the element.
        func behavioralInputs(_ f: BehavioralExpression) throws -> BehavioralInputs {
            let read = try f.controls.map { control -> Int in
                switch control {
                case .voltage(let n):
                    guard let k = unknowns.nodeIndex[n] else {
                        throw invalid("\(control) reads node '\(n)', which no element connects")
                    }
                    return k
                case .current(let source):
                    let k = unknowns.branch(source)
                    guard k != groundIndex else {
                        throw SimulatorError.unknownControllingSource(
                            element: e.name, source: source, location: e.location.description)
                    }
                    return k
                case .time, .temperature:
                    return groundIndex
                }
            }
            return BehavioralInputs(expression: f, unknowns: read, temperature: options.temp)
        }
    }
}
