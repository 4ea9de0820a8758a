import Netlist

extension Circuit {
    /// Creates the device for one deck element; the only place that maps element kinds to devices.
    static func makeDevice(_ e: Element, unknowns: inout UnknownTable, options: Options) throws -> any Device {
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
        func unsupported(_ kind: String) -> SimulatorError {
            .unsupportedElement(element: e.name, kind: kind, location: e.location.description)
        }
        func finite(_ value: Double) throws {
            if !value.isFinite { throw invalid("value is not finite") }
        }
        let branch = unknowns.branch(e.name)
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
            guard d.saturationCurrent > 0, d.vte > 0, d.vcrit.isFinite else { throw invalid("IS and N must be positive") }
            return d
        case .bjt: throw unsupported("bipolar transistor")
        case .mosfet: throw unsupported("MOSFET")
        case .voltageSwitch: throw unsupported("voltage-controlled switch")
        case .currentSwitch: throw unsupported("current-controlled switch")
        }
    }
}
