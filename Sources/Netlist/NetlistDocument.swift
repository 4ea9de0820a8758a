/// A netlist to be written: the hierarchical form a cell generator or the compiler builds, with
/// `.include`s, `.param`s, `.model`s, `.subckt` definitions, elements, `X` instances, options and
/// analysis cards. `NetlistWriter` renders it as ngspice-dialect text; `NetlistParser` reads that
/// text back into the flattened `Deck`.
///
/// ```swift
/// var cell = SubcircuitDefinition(name: "inverter", ports: ["in", "out", "vdd"])
/// cell.body.add("r1", ["in", "out"], .resistor(resistance: 1e3))
/// var doc = NetlistDocument(title: "test")
/// doc.top.subcircuits.append(cell)
/// doc.top.add("v1", ["vdd", "0"], .voltageSource(Source(dc: 5)))
/// doc.top.instance("x1", ["a", "b", "vdd"], of: "inverter")
/// doc.analyses.append(.operatingPoint)
/// let text = try doc.spiceText()
/// ```
public struct NetlistDocument: Sendable {
    /// The first line (ngspice always reads it as the title); must be a single line.
    public var title: String
    /// Files named by `.include` cards, written as given (relative to the deck file when read).
    public var includes: [String]
    /// The top-level scope: parameters, models, subcircuit definitions, elements and instances.
    public var top: NetlistScope
    /// Analysis cards in order.
    public var analyses: [AnalysisKind]
    /// `.options` (and `.temp` for `temp`).
    public var options: Options
    /// `.ic v(node)=volts`.
    public var initialConditions: [String: Double]
    /// `.nodeset v(node)=volts`.
    public var nodeSets: [String: Double]

    public init(
        title: String, includes: [String] = [], top: NetlistScope = NetlistScope(), analyses: [AnalysisKind] = [],
        options: Options = Options(), initialConditions: [String: Double] = [:], nodeSets: [String: Double] = [:]
    ) {
        self.title = title
        self.includes = includes
        self.top = top
        self.analyses = analyses
        self.options = options
        self.initialConditions = initialConditions
        self.nodeSets = nodeSets
    }
}

/// The cards of one scope, the top level or a subcircuit body, as they are written: `.param`s, then
/// `.model`s, nested `.subckt` definitions, then elements and instances in order.
///
/// Models embedded in the elements (`ElementKind.diode(model:...)`, ...) are written as `.model`
/// cards of this scope unless an enclosing scope already writes the same model; `models` adds
/// models no element of the scope uses (e.g. for the instances' subcircuits to find).
public struct NetlistScope: Sendable {
    /// `.param name=value` cards in order (later ones may use earlier ones).
    public var parameters: [ParameterAssignment]
    /// Extra `.model` cards of this scope.
    public var models: [Model]
    /// `.subckt` definitions local to this scope.
    public var subcircuits: [SubcircuitDefinition]
    /// Elements and subcircuit instances in deck order.
    public var components: [Component]

    public init(
        parameters: [ParameterAssignment] = [], models: [Model] = [], subcircuits: [SubcircuitDefinition] = [],
        components: [Component] = []
    ) {
        self.parameters = parameters
        self.models = models
        self.subcircuits = subcircuits
        self.components = components
    }

    /// Appends an element card; `name` and `nodes` are local to the scope.
    public mutating func add(_ element: Element) { components.append(.element(element)) }

    /// Appends an element card built from its parts (the location only labels writer errors).
    public mutating func add(
        _ name: String, _ nodes: [String], _ kind: ElementKind,
        location: SourceLocation = NetlistWriter.generated
    ) {
        add(Element(name: name, nodes: nodes, kind: kind, location: location))
    }

    /// Appends an `X` card: instance `name` of `subcircuit` connecting `nodes`, with parameter overrides.
    public mutating func instance(
        _ name: String, _ nodes: [String], of subcircuit: String, parameters: [ParameterAssignment] = []
    ) {
        components.append(
            .instance(SubcircuitInstance(name: name, nodes: nodes, subcircuit: subcircuit, parameters: parameters)))
    }

    /// Appends a `.param name=value` card.
    public mutating func parameter(_ name: String, _ value: ParameterValue) {
        parameters.append(ParameterAssignment(name, value))
    }
}

/// One card of a scope: an element (R C L V I E F G H D Q M S W) or a subcircuit instance (X).
public enum Component: Sendable {
    case element(Element)
    case instance(SubcircuitInstance)
}

/// A `.subckt NAME ports... params: p=default ...` definition and its body.
public struct SubcircuitDefinition: Sendable {
    public var name: String
    /// Port node names in order.
    public var ports: [String]
    /// Parameters with their defaults (`params:` on the header); instances may override them.
    public var parameters: [ParameterAssignment]
    public var body: NetlistScope

    public init(name: String, ports: [String], parameters: [ParameterAssignment] = [], body: NetlistScope = NetlistScope()) {
        self.name = name
        self.ports = ports
        self.parameters = parameters
        self.body = body
    }
}

/// An `X` card: `Xname nodes... SUBCKT p=v ...`.
public struct SubcircuitInstance: Sendable {
    /// Instance name; starts with `x`.
    public var name: String
    /// Nodes connected to the subcircuit's ports, in port order.
    public var nodes: [String]
    /// The subcircuit's name.
    public var subcircuit: String
    /// Parameter overrides.
    public var parameters: [ParameterAssignment]

    public init(name: String, nodes: [String], subcircuit: String, parameters: [ParameterAssignment] = []) {
        self.name = name
        self.nodes = nodes
        self.subcircuit = subcircuit
        self.parameters = parameters
    }
}

/// `name=value` in a `.param` card, a `.subckt` header or an `X` card.
public struct ParameterAssignment: Sendable {
    public var name: String
    public var value: ParameterValue

    public init(_ name: String, _ value: ParameterValue) {
        self.name = name
        self.value = value
    }
}

/// A parameter value: a number (written losslessly) or an expression (written in `{}`).
public enum ParameterValue: Sendable, ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral {
    case number(Double)
    /// Expression text without braces, e.g. `2*w`.
    case expression(String)

    public init(floatLiteral value: Double) { self = .number(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
}
