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
    /// Diagonal slot of every unknown (`dropped` for branch currents), for gmin stepping and nodesets.
    var diagonals: [Slot]
    /// `.nodeset` values by unknown: held with a 1e10 S conductance during the first two iterations
    /// of an operating point, then released (as ngspice does).
    var nodeSets: [(unknown: Int, value: Double)]
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

    /// A result row: `scale`, then the output unknowns of `x`, allocated once at its final size
    /// (`[scale] + map` grew the row a dozen times: 2.5 % of a 1000-node sweep).
    func outputRow(scale: Double, _ x: [Double]) -> [Double] {
        var row = [Double]()
        row.reserveCapacity(1 + outputUnknowns.count)
        row.append(scale)
        for k in outputUnknowns { row.append(x[k]) }
        return row
    }
}

extension Circuit {
    /// Builds the circuit: nodes in order of first appearance, branch currents in ngspice's setup
    /// order (F, H, L, E, V, each in reverse deck order, a controlled source creating the branch of
    /// its controlling source on first use), then internal nodes; finally every device reserves slots.
    init(deck: Deck) throws {
        var unknowns = UnknownTable()
        for element in deck.elements {
            for node in element.nodes { unknowns.addNode(node) }
        }

        // Branch currents, in ngspice's order.
        let elements = deck.elements
        var byName: [String: Int] = [:]
        byName.reserveCapacity(elements.count)
        for (k, element) in elements.enumerated() { byName[element.name] = k }
        func controlling(_ e: Element, _ source: String) throws {
            guard let c = byName[source], elements[c].kind.ownsBranch else {
                throw SimulatorError.unknownControllingSource(
                    element: e.name, source: source, location: e.location.description)
            }
            unknowns.addBranch(source)
        }
        let reversed = elements.reversed()
        // Behavioural sources first (ngspice sets its B sources up before the other devices):
        // a voltage one's own branch, then the branches its `i()` controls read.
        for e in reversed {
            switch e.kind {
            case .behavioralVoltage(let f):
                unknowns.addBranch(e.name)
                for case .current(let src) in f.controls { try controlling(e, src) }
            case .behavioralCurrent(let f):
                for case .current(let src) in f.controls { try controlling(e, src) }
            default: break
            }
        }
        for e in reversed { if case .cccs(let src, _) = e.kind { try controlling(e, src) } }
        for e in reversed { if case .ccvs(let src, _) = e.kind { unknowns.addBranch(e.name); try controlling(e, src) } }
        for e in reversed { if case .inductor = e.kind { unknowns.addBranch(e.name) } }
        for e in reversed { if case .vcvs = e.kind { unknowns.addBranch(e.name) } }
        for e in reversed { if case .voltageSource = e.kind { unknowns.addBranch(e.name) } }

        // Reported: deck nodes and the currents of V sources and inductors (the contract's columns;
        // ngspice also writes E and H currents).
        var controlledBranches: Set<String> = []
        for e in deck.elements {
            switch e.kind {
            case .vcvs, .ccvs, .behavioralVoltage: controlledBranches.insert(e.name)
            default: break
            }
        }
        let outputs = unknowns.names.indices.filter {
            unknowns.kinds[$0] == .node || !controlledBranches.contains(unknowns.names[$0])
        }

        var devices: [any Device] = []
        devices.reserveCapacity(elements.count)
        var sources: [String: Int] = [:]
        var inductances: [String: Double] = [:]
        for e in elements { if case .inductor(let l, _) = e.kind { inductances[e.name] = l } }
        for e in deck.elements {
            let device = try Self.makeDevice(e, unknowns: &unknowns, options: deck.options, inductances: inductances)
            switch e.kind {
            case .voltageSource, .currentSource: sources[e.name] = devices.count  // SweepableSource
            default: break
            }
            devices.append(device)
        }

        var reserver = SlotReserver(dimension: unknowns.count)
        for k in devices.indices { devices[k].reserve(&reserver) }
        let kinds = unknowns.kinds
        let diagonals = kinds.indices.map { kinds[$0] == .branch ? Slot.dropped : reserver.reserve($0, $0) }

        self.unknownNames = unknowns.names
        self.unknownKinds = kinds
        self.devices = devices
        self.pattern = reserver.pattern
        self.diagonals = diagonals
        self.nodeSets = deck.nodeSets.compactMap { name, value in unknowns.nodeIndex[name].map { ($0, value) } }
            .sorted { $0.0 < $1.0 }
        self.stateCount = reserver.stateCount
        self.outputUnknowns = outputs
        self.sources = sources
    }
}

/// The MNA unknowns while a circuit is set up: names, kinds and look-up by node or element name.
struct UnknownTable: Sendable {
    private(set) var names: [String] = []
    private(set) var kinds: [UnknownKind] = []
    private(set) var nodeIndex: [String: Int] = [:]
    private(set) var branchIndex: [String: Int] = [:]

    var count: Int { names.count }

    /// Adds a deck node once; ground (`"0"`) is never an unknown.
    mutating func addNode(_ name: String) {
        guard name != "0", nodeIndex[name] == nil else { return }
        nodeIndex[name] = names.count
        names.append(name)
        kinds.append(.node)
    }

    /// Adds the branch current of element `name` once.
    mutating func addBranch(_ name: String) {
        guard branchIndex[name] == nil else { return }
        branchIndex[name] = names.count
        names.append(name)
        kinds.append(.branch)
    }

    /// Adds a device-internal node and returns its index.
    mutating func addInternalNode(_ name: String) -> Int {
        names.append(name)
        kinds.append(.internalNode)
        return names.count - 1
    }

    /// The unknown of a deck node (`groundIndex` for ground).
    func node(_ name: String) -> Int { name == "0" ? groundIndex : nodeIndex[name] ?? groundIndex }

    /// The branch-current unknown of element `name`.
    func branch(_ name: String) -> Int { branchIndex[name] ?? groundIndex }
}

extension ElementKind {
    /// Whether the element carries its branch current as an MNA unknown (V, L, E, H).
    var ownsBranch: Bool {
        switch self {
        case .voltageSource, .inductor, .vcvs, .ccvs, .behavioralVoltage: return true
        default: return false
        }
    }
}
