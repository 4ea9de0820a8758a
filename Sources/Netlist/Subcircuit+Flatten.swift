/// Expands subcircuit instances into one flat element list, evaluating parameters scope by scope.
///
/// Naming follows ngspice-39: inside instance `x1` the node `n` becomes `x1.n` and element `r1`
/// becomes `r.x1.r1`; nested instances chain (`x1.x2.n`, `r.x1.x2.r1`). Controlling-source names of
/// F, H and W cards are renamed the same way. `0`, `gnd` and `.global` nodes are never renamed.
/// Models and subcircuit definitions are lexically scoped: a body sees its own definitions, then
/// those of the body it is defined in, up to the top level. Parameters and `.func`s are dynamically
/// scoped as in ngspice-39: an instance sees its own parameters, then its caller's, up to the top
/// level (a subcircuit defined at the top level still sees `w` of the instance that calls it).
struct Flattener {
    /// One active body: the top level or one subcircuit instance.
    struct Frame {
        var body: Body
        var parameters: [String: Double] = [:]
        /// The frame of the body this body is defined in (nil for the top level).
        var lexicalParent: Int?
        /// Instance path, e.g. `x1.x2` (empty at the top level).
        var path: String = ""
        /// Subcircuit port name → flattened node of the instance.
        var ports: [String: String] = [:]
        var subcircuitID: Int?
        var subcircuitName: String = ""
        /// Models of this body already evaluated in this frame's scope.
        var models: [String: Model] = [:]
    }

    let globals: Set<String>
    var frames: [Frame] = []
    var deck = Deck(title: "")
    /// Flattened element name → where it was first defined.
    var definedAt: [String: SourceLocation] = [:]
    /// `.dc` sweep sources to check once every element is known.
    var sweepSources: [Token] = []
    /// The nodes of `.ic` and `.nodeset` cards (flattened name, where written, card), checked once
    /// every element is known.
    var initialNodes: [(node: String, location: SourceLocation, card: String)] = []
    /// Temperature coefficients of resistors, by index in `deck.elements`, applied at the end.
    var resistorTemperatures: [Int: ResistorTemperature] = [:]
    /// Top-level `.param` values replaced by `alterparam` (name → value).
    var parameterOverrides: [String: Double] = [:]

    init(globals: Set<String>) { self.globals = globals }

    /// Flattens the top-level body into a deck.
    mutating func flatten(_ top: Body, title: String) throws -> Deck {
        deck = Deck(title: title)
        frames = [Frame(body: top)]
        try evaluateParameters(top.parameters, frame: 0)
        deck.parameters = frames[0].parameters
        try expand(frame: 0)
        try applyResistorTemperatures()
        warnSensitivityCoverage()
        for token in sweepSources where definedAt[token.lower] == nil && token.lower != "temp" {
            throw NetlistError.syntax(
                token.location, token: token.lower, message: "sweep source is not an element of the circuit")
        }
        // As ngspice ("IC on non-existent node - zz, ignored"), but located.
        if !initialNodes.isEmpty {
            var connected: Set<String> = ["0"]
            for element in deck.elements { connected.formUnion(element.nodes) }
            for entry in initialNodes where !connected.contains(entry.node) {
                deck.warnings.append(
                    "\(entry.location): warning: \(entry.card) on a node no element connects, ignored ('\(entry.node)')")
            }
        }
        return deck
    }

    /// Processes every card of the body of `frame`.
    mutating func expand(frame f: Int) throws {
        for card in frames[f].body.cards {
            if card.keyword.hasPrefix(".") {
                try dotCard(card, frame: f)
            } else if card.keyword.hasPrefix("x") {
                try instance(card, frame: f)
            } else {
                try element(card, frame: f)
            }
        }
    }

    // MARK: Scopes

    /// The value of parameter `name` visible from `frame` (its own, then its callers').
    func lookup(_ name: String, from frame: Int) -> Double? {
        for f in stride(from: frame, through: 0, by: -1) {
            if let v = frames[f].parameters[name] { return v }
        }
        return nil
    }

    /// The `.func` named `name` visible from `frame` (its own, then its callers').
    func userFunction(_ name: String, from frame: Int) -> Expression.UserFunction? {
        for f in stride(from: frame, through: 0, by: -1) {
            if let function = frames[f].body.functions[name] { return function }
        }
        return nil
    }

    /// Evaluates `expression` with the parameters and functions visible from `frame`.
    func evaluate(_ expression: Expression, frame f: Int) throws -> Double {
        try expression.evaluate({ lookup($0, from: f) }, functions: { userFunction($0, from: f) })
    }

    mutating func evaluateParameters(_ assignments: [Assignment], frame f: Int) throws {
        for assignment in assignments {
            if f == 0, let override = parameterOverrides[assignment.name] {
                frames[f].parameters[assignment.name] = override
                continue
            }
            frames[f].parameters[assignment.name] = try value(assignment.value, frame: f)
        }
    }

    /// Evaluates a value as written: `{expr}`, `'expr'`, a SPICE number, a parameter name or an
    /// unbraced expression.
    func value(_ v: ValueText, frame f: Int) throws -> Double {
        let text = v.text
        let scalars = v.line.scalars
        let first = scalars[v.range.lowerBound]
        let result: Double
        if first == "{" || first == "'" {
            let inner = (v.range.lowerBound + 1)..<(v.range.upperBound - 1)
            result = try evaluate(Expression.parse(v.line, inner), frame: f)
        } else if let number = SpiceNumber.parse(text) {
            result = number
        } else if let parameter = lookup(text.lowercased(), from: f) {
            result = parameter
        } else if text.unicodeScalars.contains(where: { "+-*/^()<>=!?&|".unicodeScalars.contains($0) }),
            let expression = try? Expression.parse(v.line, v.range)
        {
            result = try evaluate(expression, frame: f)
        } else {
            throw NetlistError.invalidNumber(v.location, token: text)
        }
        guard result.isFinite else {
            throw NetlistError.invalidExpression(
                v.location, token: text, message: "value is not finite (\(result.isNaN ? "NaN" : "\(result)"))")
        }
        return result
    }

    func value(_ token: Token, in card: Card, frame f: Int) throws -> Double {
        guard token.isValue else { throw NetlistError.invalidNumber(token.location, token: token.text) }
        return try value(ValueText(token, in: card), frame: f)
    }

    // MARK: Names

    /// The flattened node for `name` (lower case, as `Token.lower`) in the body of `frame`.
    func node(_ name: String, frame f: Int) -> String { Self.node(name, in: frames[f], globals: globals) }

    /// `node(_:frame:)` without `self`, for closures inside mutating methods (which copied the
    /// whole flattener at every call).
    static func node(_ name: String, in frame: Frame, globals: Set<String>) -> String {
        let n = StructureBuilder.node(name)
        if n == "0" || globals.contains(n) { return n }
        if let port = frame.ports[n] { return port }
        return frame.path.isEmpty ? n : frame.path + "." + n
    }

    /// The flattened element name for `name` (lower case, as `Token.lower`) in `frame` (`r1` → `r.x1.r1`).
    func elementName(_ name: String, frame f: Int) -> String {
        let n = name
        guard !frames[f].path.isEmpty, let letter = n.first else { return n }
        return "\(letter).\(frames[f].path).\(n)"
    }

    /// Adds a flattened element, rejecting duplicate names.
    mutating func add(_ element: Element) throws {
        // One hash of the name: insert, and put the first definition back if there was one.
        if let first = definedAt.updateValue(element.location, forKey: element.name) {
            definedAt[element.name] = first
            throw NetlistError.duplicateElement(element.location, name: element.name, first: first)
        }
        deck.elements.append(element)
    }

    // MARK: Models

    /// The model `name` visible from `frame`, evaluated in the scope of the body that defines it.
    mutating func model(_ name: String, frame f: Int) throws -> Model? {
        var current: Int? = f
        while let g = current {
            if let cached = frames[g].models[name] { return cached }
            if let card = frames[g].body.models[name] {
                var warnings: [String] = []
                let model = try parseModel(card, frame: g, warnings: &warnings)
                deck.warnings += warnings
                frames[g].models[name] = model
                return model
            }
            current = frames[g].lexicalParent
        }
        return nil
    }

    /// Evaluates a `.model NAME TYPE [(] p=v ... [)]` card.
    /// Parameters Kelvin's device for the type does not read are reported in `warnings`; a `level`
    /// Kelvin does not implement is an error at its value.
    func parseModel(_ card: Card, frame f: Int, warnings: inout [String]) throws -> Model {
        let tokens = card.tokens
        let typeToken = tokens[2]
        guard typeToken.kind == .word else {
            throw NetlistError.syntax(typeToken.location, token: typeToken.text, message: "expected a model type")
        }
        var parameters: [String: Double] = [:]
        var i = 3
        while i < tokens.count {
            let t = tokens[i]
            if t.kind == .openParen || t.kind == .closeParen {
                i += 1
                continue
            }
            guard t.kind == .word, SpiceNumber.parse(t.text) == nil else {
                throw NetlistError.syntax(t.location, token: t.text, message: "expected a model parameter name")
            }
            if i + 1 < tokens.count, tokens[i + 1].kind == .equals {
                guard i + 2 < tokens.count, tokens[i + 2].isValue else {
                    throw NetlistError.missingField(t.location, token: t.lower, expected: "a value after '='")
                }
                parameters[t.lower] = try value(tokens[i + 2], in: card, frame: f)
                if t.lower == "level", let levels = Model.supportedLevels(typeToken.lower),
                    let level = parameters["level"], !levels.contains(level)
                {
                    let v = tokens[i + 2]
                    let kind = Model.kindName(typeToken.lower)
                    let written = level == level.rounded() && abs(level) < 1e9 ? "\(Int(level))" : "\(level)"
                    throw NetlistError.unsupported(
                        v.location, token: "level=\(v.text)",
                        feature: "\(kind) model level \(written) (Kelvin implements level "
                            + levels.sorted().map { "\(Int($0))" }.joined(separator: ", ") + ")")
                }
                i += 3
            } else {
                parameters[t.lower] = 1
                i += 1
            }
            if !Model.isKnownParameter(t.lower, type: typeToken.lower) {
                warnings.append(
                    "\(t.location): warning: unknown \(Model.kindName(typeToken.lower)) model parameter, ignored "
                        + "(as ngspice's \"unrecognized parameter\") ('\(t.lower)')")
            }
        }
        return Model(name: tokens[1].lower, type: typeToken.lower, parameters: parameters, location: card.location)
    }

    // MARK: Instances

    /// Expands an `X` card: `Xname n1 n2 ... SUBNAME [params:] p=v ...`.
    mutating func instance(_ card: Card, frame f: Int) throws {
        let tokens = card.tokens
        var positional: [Token] = []
        var parameterStart: Int?
        var i = 1
        while i < tokens.count {
            let t = tokens[i]
            if t.lower == "params:" {
                parameterStart = t.range.upperBound
                break
            }
            if i + 1 < tokens.count, tokens[i + 1].kind == .equals {
                parameterStart = t.range.lowerBound
                break
            }
            guard t.kind == .word else {
                throw NetlistError.syntax(t.location, token: t.text, message: "expected a node or subcircuit name")
            }
            positional.append(t)
            i += 1
        }
        let instanceName = card.keyword
        guard let subToken = positional.last else {
            throw NetlistError.missingField(card.location, token: instanceName, expected: "nodes and a subcircuit name")
        }
        let subName = subToken.lower
        var definingFrame: Int?
        var found: Subcircuit?
        var current: Int? = f
        while let g = current, found == nil {
            if let sub = frames[g].body.subcircuits[subName] {
                found = sub
                definingFrame = g
            }
            current = frames[g].lexicalParent
        }
        guard let sub = found, let parent = definingFrame else {
            throw NetlistError.undefinedSubcircuit(card.location, name: subName)
        }
        let actual = positional.dropLast().map { node($0.lower, frame: f) }
        guard actual.count == sub.ports.count else {
            throw NetlistError.nodeCountMismatch(
                card.location, instance: instanceName, subcircuit: subName, expected: sub.ports.count,
                found: actual.count)
        }
        if frames.contains(where: { $0.subcircuitID == sub.id }) {
            let chain = frames.compactMap { $0.subcircuitID == nil ? nil : $0.subcircuitName } + [subName]
            throw NetlistError.recursiveSubcircuit(card.location, name: subName, chain: chain)
        }
        var overrides: [String: Double] = [:]
        for assignment in try parameterStart.map({ try StructureBuilder.assignments(in: card.line, from: $0) }) ?? [] {
            // ngspice-39 silently ignores a parameter the subcircuit neither declares (`params:`)
            // nor defines (`.param` in its body): Kelvin ignores it too, with a located warning.
            guard
                sub.defaults.contains(where: { $0.name == assignment.name })
                    || sub.body.parameters.contains(where: { $0.name == assignment.name })
            else {
                deck.warnings.append(
                    "\(assignment.nameLocation): warning: subcircuit '\(subName)' has no parameter "
                        + "'\(assignment.name)'; ignored as ngspice does ('\(assignment.name)')")
                continue
            }
            overrides[assignment.name] = try value(assignment.value, frame: f)
        }
        var frame = Frame(body: sub.body, lexicalParent: parent)
        frame.path = frames[f].path.isEmpty ? instanceName : frames[f].path + "." + instanceName
        frame.subcircuitID = sub.id
        frame.subcircuitName = subName
        for (port, node) in zip(sub.ports, actual) { frame.ports[port] = node }
        frames.append(frame)
        let g = frames.count - 1
        defer { frames.removeLast() }
        for assignment in sub.defaults {
            frames[g].parameters[assignment.name] = try overrides[assignment.name] ?? value(assignment.value, frame: g)
        }
        // Precedence as ngspice-39: an instance value beats both the `params:` default and a
        // `.param` of the same name in the body; without one, the body's `.param` beats the default.
        for (name, value) in overrides { frames[g].parameters[name] = value }
        try evaluateParameters(sub.body.parameters.filter { overrides[$0.name] == nil }, frame: g)
        try expand(frame: g)
    }
}
