import LinearAlgebra
import Netlist

/// The kind of an MNA unknown.
enum UnknownKind: Sendable {
    /// A deck node (reported as `v(name)`).
    case node
    /// A node a device created internally (not reported, as ngspice does by default).
    case internalNode
    /// A branch current of a V source, inductor, E or H (reported as `i(name)`).
    case branch
}

/// A circuit ready for analysis: numbered unknowns, devices with reserved slots, matrix pattern.
struct Circuit: Sendable {
    /// Name of each unknown: node name, or element name for a branch current.
    var unknownNames: [String]
    var unknownKinds: [UnknownKind]
    var devices: [any Device]
    /// Matrix pattern; slot `k` of every device refers to `pattern[k]`.
    var pattern: [MatrixEntry]
    /// Diagonal slot of every node unknown, for gmin stepping.
    var nodeDiagonals: [Slot]
    var stateCount: Int
    /// Unknowns reported in results, in ngspice's order: deck nodes, then the branch currents of
    /// V sources and inductors.
    var outputUnknowns: [Int]
    /// Sweepable sources by name → index in `devices`.
    var sources: [String: Int]

    var dimension: Int { unknownNames.count }

    /// The label of unknown `k` as results name it: `v(node)` or `i(element)`.
    func label(_ k: Int) -> String {
        switch unknownKinds[k] {
        case .node, .internalNode: return "v(\(unknownNames[k]))"
        case .branch: return "i(\(unknownNames[k]))"
        }
    }

    /// Result column names after the scale.
    var outputLabels: [String] { outputUnknowns.map(label) }
}

extension Circuit {
    /// Builds the circuit: nodes in order of first appearance, branch currents in ngspice's setup
    /// order (F, H, L, E, V, each in reverse deck order, a controlled source creating the branch of
    /// its controlling source on first use), then internal nodes; finally every device reserves slots.
    init(deck: Deck) throws {
        var names: [String] = []
        var kinds: [UnknownKind] = []
        var nodeIndex: [String: Int] = [:]
        for element in deck.elements {
            for node in element.nodes where node != "0" && nodeIndex[node] == nil {
                nodeIndex[node] = names.count
                names.append(node)
                kinds.append(.node)
            }
        }

        // Elements that own a branch current.
        var byName: [String: Element] = [:]
        for element in deck.elements { byName[element.name] = element }
        func ownsBranch(_ e: Element) -> Bool {
            switch e.kind {
            case .voltageSource, .inductor, .vcvs, .ccvs: return true
            default: return false
            }
        }
        var branchIndex: [String: Int] = [:]
        func makeBranch(_ name: String) {
            if branchIndex[name] == nil {
                branchIndex[name] = names.count
                names.append(name)
                kinds.append(.branch)
            }
        }
        func controlling(_ e: Element, _ source: String) throws {
            guard let c = byName[source], ownsBranch(c) else {
                throw SimulatorError.unknownControllingSource(
                    element: e.name, source: source, location: e.location.description)
            }
            makeBranch(source)
        }
        let reversed = Array(deck.elements.reversed())
        for e in reversed { if case .cccs(let src, _) = e.kind { try controlling(e, src) } }
        for e in reversed { if case .ccvs(let src, _) = e.kind { makeBranch(e.name); try controlling(e, src) } }
        for e in reversed { if case .inductor = e.kind { makeBranch(e.name) } }
        for e in reversed { if case .vcvs = e.kind { makeBranch(e.name) } }
        for e in reversed { if case .voltageSource = e.kind { makeBranch(e.name) } }

        // Reported: deck nodes and the currents of V sources and inductors (the contract's columns;
        // ngspice also writes E and H currents).
        var controlledBranches: Set<String> = []
        for e in deck.elements {
            switch e.kind {
            case .vcvs, .ccvs: controlledBranches.insert(e.name)
            default: break
            }
        }
        let outputs = names.indices.filter { kinds[$0] == .node || !controlledBranches.contains(names[$0]) }

        // Devices.
        var devices: [any Device] = []
        var sources: [String: Int] = [:]
        for e in deck.elements {
            func node(_ k: Int) throws -> Int {
                guard k < e.nodes.count else {
                    throw SimulatorError.invalidElement(
                        element: e.name, reason: "expected more than \(e.nodes.count) nodes", location: e.location.description)
                }
                let n = e.nodes[k]
                return n == "0" ? groundIndex : nodeIndex[n] ?? groundIndex
            }
            func branch(_ name: String) -> Int { branchIndex[name] ?? groundIndex }
            func invalid(_ reason: String) -> SimulatorError {
                .invalidElement(element: e.name, reason: reason, location: e.location.description)
            }
            func unsupported(_ kind: String) -> SimulatorError {
                .unsupportedElement(element: e.name, kind: kind, location: e.location.description)
            }
            func finite(_ values: Double...) throws {
                for v in values where !v.isFinite { throw invalid("value is not finite") }
            }
            switch e.kind {
            case .resistor(let r):
                try finite(r)
                guard r != 0 else { throw invalid("zero resistance") }
                devices.append(Resistor(name: e.name, a: try node(0), b: try node(1), resistance: r))
            case .capacitor(let c, let ic):
                try finite(c)
                devices.append(Capacitor(name: e.name, a: try node(0), b: try node(1), capacitance: c, initialCondition: ic))
            case .inductor(let l, let ic):
                try finite(l)
                devices.append(Inductor(name: e.name, a: try node(0), b: try node(1), branch: branch(e.name),
                                        inductance: l, initialCondition: ic))
            case .voltageSource(let s):
                try finite(s.dcOperatingValue)
                sources[e.name] = devices.count
                devices.append(VoltageSource(name: e.name, a: try node(0), b: try node(1), branch: branch(e.name), source: s))
            case .currentSource(let s):
                try finite(s.dcOperatingValue)
                sources[e.name] = devices.count
                devices.append(CurrentSource(name: e.name, a: try node(0), b: try node(1), source: s))
            case .vcvs(let gain):
                try finite(gain)
                devices.append(VCVS(name: e.name, a: try node(0), b: try node(1), c: try node(2), d: try node(3),
                                    branch: branch(e.name), gain: gain))
            case .vccs(let gm):
                try finite(gm)
                devices.append(VCCS(name: e.name, a: try node(0), b: try node(1), c: try node(2), d: try node(3),
                                    transconductance: gm))
            case .cccs(let src, let gain):
                try finite(gain)
                devices.append(CCCS(name: e.name, a: try node(0), b: try node(1), control: branch(src), gain: gain))
            case .ccvs(let src, let r):
                try finite(r)
                devices.append(CCVS(name: e.name, a: try node(0), b: try node(1), branch: branch(e.name),
                                    control: branch(src), transresistance: r))
            case .diode(let model, let instance):
                let a = try node(0), c = try node(1)
                var ap = a
                if model.value("rs", default: 0) > 0 {
                    ap = names.count
                    names.append("\(e.name)#internal")
                    kinds.append(.internalNode)
                }
                let d = Diode(name: e.name, anode: a, anodePrime: ap, cathode: c, model: model, instance: instance,
                              options: deck.options)
                guard d.saturationCurrent > 0, d.vte > 0 else { throw invalid("IS and N must be positive") }
                devices.append(d)
            case .bjt: throw unsupported("bipolar transistor")
            case .mosfet: throw unsupported("MOSFET")
            case .voltageSwitch: throw unsupported("voltage-controlled switch")
            case .currentSwitch: throw unsupported("current-controlled switch")
            }
        }

        var reserver = SlotReserver(dimension: names.count)
        for k in devices.indices { devices[k].reserve(&reserver) }
        var diagonals: [Slot] = []
        for k in names.indices where kinds[k] != .branch { diagonals.append(reserver.reserve(k, k)) }

        self.unknownNames = names
        self.unknownKinds = kinds
        self.devices = devices
        self.pattern = reserver.pattern
        self.nodeDiagonals = diagonals
        self.stateCount = reserver.stateCount
        self.outputUnknowns = outputs
        self.sources = sources
    }
}
