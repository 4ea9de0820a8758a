import Foundation

/// An element card split into positional fields and `key=value` parameters.
struct ElementFields {
    /// Nodes, values, model names and flags such as `off`, in order.
    var positional: [Token] = []
    /// `key=value...` parameters in order; `ic=1,2` keeps both values.
    var keywords: [(key: Token, values: [Token])] = []

    init() {}

    init(_ card: Card, from start: Int = 1) throws {
        let tokens = card.tokens
        positional.reserveCapacity(tokens.count)
        var i = start
        func startsKeyword(_ j: Int) -> Bool {
            j + 1 < tokens.count && tokens[j].kind == .word && tokens[j + 1].kind == .equals
        }
        while i < tokens.count {
            let t = tokens[i]
            if t.kind == .openParen || t.kind == .closeParen {
                i += 1
                continue
            }
            if t.kind == .equals {
                throw NetlistError.syntax(t.location, token: t.text, message: "unexpected '='")
            }
            if startsKeyword(i) {
                var values: [Token] = []
                i += 2
                while i < tokens.count, !startsKeyword(i), tokens[i].lower != "off", tokens[i].lower != "on" {
                    if tokens[i].isValue { values.append(tokens[i]) }
                    if tokens[i].kind == .equals {
                        throw NetlistError.syntax(tokens[i].location, token: "=", message: "unexpected '='")
                    }
                    i += 1
                }
                guard !values.isEmpty else {
                    throw NetlistError.missingField(t.location, token: t.lower, expected: "a value after '='")
                }
                keywords.append((t, values))
                continue
            }
            positional.append(t)
            i += 1
        }
    }

    /// The last value of keyword `key` (or one of its aliases).
    func keyword(_ keys: String...) -> Token? {
        keywords.last(where: { keys.contains($0.key.lower) })?.values.first
    }
}

/// A resistor's temperature dependence as ngspice-39's `restemp.c` computes it:
/// `R(T) = R · (1 + TC1·ΔT + TC2·ΔT²)`, or `R · 1.01^(TCE·ΔT)` when TCE is given, with
/// `ΔT = T − TNOM` (K), `T` the instance `temp=` or the circuit temperature (`.temp`,
/// `.options temp=`, default 27 °C) plus `dtemp=`, and TNOM from `.options tnom=` (default 27 °C).
/// TC1 in 1/K, TC2 in 1/K².
struct ResistorTemperature: Sendable {
    var tc1 = 0.0, tc2 = 0.0
    var tce: Double?
    var temp: Double?
    var dtemp = 0.0

    /// True when the resistance does not depend on temperature.
    var isNeutral: Bool { tc1 == 0 && tc2 == 0 && (tce ?? 0) == 0 }

    /// The factor multiplying the nominal resistance at the deck's options.
    func factor(_ options: Options) -> Double {
        let difference = (temp ?? options.temp + dtemp) - options.tnom
        if let tce { return Foundation.pow(1.01, tce * difference) }
        return 1 + (tc1 + tc2 * difference) * difference
    }
}

extension Flattener {
    /// Scales every temperature-dependent resistor to the circuit temperature, once the deck's
    /// `.temp` and `.options` (which may follow the element) are known.
    mutating func applyResistorTemperatures() throws {
        for (index, coefficients) in resistorTemperatures {
            guard case .resistor(let r) = deck.elements[index].kind else { continue }
            let scaled = r * coefficients.factor(deck.options)
            guard scaled.isFinite, scaled != 0 else {
                throw NetlistError.invalidExpression(
                    deck.elements[index].location, token: deck.elements[index].name,
                    message: "resistance at the circuit temperature is \(scaled)")
            }
            deck.elements[index].kind = .resistor(resistance: scaled)
        }
        deck.resistorTemperatures = resistorTemperatures
    }

    /// Interprets and adds one element card (every letter except `X`).
    mutating func element(_ card: Card, frame f: Int) throws {
        let nameToken = card.tokens[0]
        let name = elementName(nameToken.lower, frame: f)
        guard let letter = nameToken.lower.unicodeScalars.first, SpiceNumber.isLetter(letter), letter != "_" else {
            throw NetlistError.unknownElement(nameToken.location, token: nameToken.text)
        }
        // Behavioural sources hold free-form expressions (`v(a)`, `==`, `(x, y)` table points).
        if letter == "b" {
            let (nodes, kind) = try behavioralSource(card, frame: f)
            try add(Element(name: name, nodes: nodes, kind: kind, location: card.location))
            return
        }
        if letter == "e" || letter == "g", let (nodes, kind) = try behavioralControlled(card, frame: f) {
            try add(Element(name: name, nodes: nodes, kind: kind, location: card.location))
            return
        }
        // Sources have their own grammar (waveforms with parentheses, `r=`/`td=`).
        let fields = letter == "v" || letter == "i" ? ElementFields() : try ElementFields(card)
        if "efgh".unicodeScalars.contains(letter), let (nodes, kind) = try polynomialSource(card, fields: fields, frame: f) {
            try add(Element(name: name, nodes: nodes, kind: kind, location: card.location))
            return
        }
        let p = fields.positional

        /// Throws the truncated-card error unless at least `count` positional fields are present.
        func require(_ count: Int, _ what: String) throws {
            guard p.count >= count else {
                throw NetlistError.missingField(nameToken.location, token: nameToken.lower, expected: what)
            }
        }
        let frame = frames[f], globals = globals
        func nodes(_ count: Int) throws -> [String] {
            try (0..<count).map { i in
                guard p[i].kind == .word else {
                    throw NetlistError.syntax(p[i].location, token: p[i].text, message: "expected a node name")
                }
                return Self.node(p[i].lower, in: frame, globals: globals)
            }
        }
        func number(_ token: Token) throws -> Double { try value(token, in: card, frame: f) }
        func optional(_ keys: String...) throws -> Double? {
            guard let t = fields.keywords.last(where: { keys.contains($0.key.lower) })?.values.first else { return nil }
            return try number(t)
        }
        func rejectExtra(after count: Int) throws {
            if p.count > count {
                throw NetlistError.syntax(p[count].location, token: p[count].text, message: "unexpected field")
            }
        }
        func rejectNonlinear(_ feature: String) throws {
            // `value=` and friends on F/H (E/G read them above): ngspice has no such form.
            if let behavioral = fields.keywords.first(where: {
                ["value", "vol", "cur", "table"].contains($0.key.lower)
            }) {
                throw NetlistError.unsupported(
                    behavioral.key.location, token: behavioral.key.lower,
                    feature: "'\(behavioral.key.lower)=' on \(feature) sources (ngspice has it on E and G only; use a B source)")
            }
        }
        let location = nameToken.location

        let kind: ElementKind
        let elementNodes: [String]
        switch letter {
        case "r", "c", "l":
            let key = letter == "r" ? "r" : (letter == "c" ? "c" : "l")
            let long = letter == "r" ? "resistance" : (letter == "c" ? "capacitance" : "inductance")
            try require(2, "2 nodes and a value")
            elementNodes = try nodes(2)
            var v: Double
            if p.count >= 3 {
                v = try number(p[2])
            } else if let k = try optional(key, long) {
                v = k
            } else {
                throw NetlistError.missingField(location, token: nameToken.lower, expected: "a \(long) value")
            }
            try rejectExtra(after: 4)
            if letter == "r", let ac = fields.keywords.first(where: { $0.key.lower == "ac" }) {
                throw NetlistError.unsupported(
                    ac.key.location, token: ac.key.lower,
                    feature: "resistor 'ac=' (a separate AC resistance); give one resistance")
            }
            // ngspice-39 stops on an unknown instance parameter ("unknown parameter (foo)").
            // (The set is built only for a card with keywords: for every plain `R1 a b 20` it
            // cost 1 % of reading a 3,000-element deck.)
            let known: Set<String> =
                fields.keywords.isEmpty ? []
                : letter == "r" ? ["r", "resistance", "m", "tc1", "tc2", "tc", "tce", "temp", "dtemp"]
                : [key, long, "m", "ic"]
            for (keyToken, values) in fields.keywords {
                let noun = letter == "r" ? "resistor" : letter == "c" ? "capacitor" : "inductor"
                guard known.contains(keyToken.lower) else {
                    throw NetlistError.syntax(
                        keyToken.location, token: keyToken.lower, message: "unknown \(noun) parameter")
                }
                if keyToken.lower == "tc", values.count > 1 {
                    throw NetlistError.syntax(
                        values[1].location, token: values[1].text,
                        message: "'tc=' takes one value (TC1), as in ngspice; write tc1= tc2=")
                }
            }
            let multiplier = try optional("m") ?? 1
            if letter == "c" { v *= multiplier } else if multiplier != 0 { v /= multiplier }
            if letter == "r" {
                let coefficients = ResistorTemperature(
                    tc1: try optional("tc1", "tc") ?? 0, tc2: try optional("tc2") ?? 0,
                    tce: try optional("tce"), temp: try optional("temp"), dtemp: try optional("dtemp") ?? 0)
                if !coefficients.isNeutral { resistorTemperatures[deck.elements.count] = coefficients }
            }
            let ic = try optional("ic")
            switch letter {
            case "r": kind = .resistor(resistance: v)
            case "c": kind = .capacitor(capacitance: v, initialCondition: ic)
            default: kind = .inductor(inductance: v, initialCondition: ic)
            }
        case "v", "i":
            let t = card.tokens
            guard t.count >= 3, t[1].kind == .word, t[2].kind == .word else {
                throw NetlistError.missingField(location, token: nameToken.lower, expected: "2 nodes")
            }
            elementNodes = [node(t[1].lower, frame: f), node(t[2].lower, frame: f)]
            let source = try parseSource(card, frame: f)
            kind = letter == "v" ? .voltageSource(source) : .currentSource(source)
        case "e", "g":
            try rejectNonlinear(letter == "e" ? "E" : "G")
            try require(5, "4 nodes and a gain")
            elementNodes = try nodes(4)
            let gain = try number(p[4])
            try rejectExtra(after: 5)
            kind = letter == "e" ? .vcvs(gain: gain) : .vccs(transconductance: gain)
        case "f", "h":
            try rejectNonlinear(letter == "f" ? "F" : "H")
            try require(4, "2 nodes, a controlling source and a gain")
            elementNodes = try nodes(2)
            let control = elementName(p[2].lower, frame: f)
            let gain = try number(p[3])
            try rejectExtra(after: 4)
            kind =
                letter == "f"
                ? .cccs(controllingSource: control, gain: gain)
                : .ccvs(controllingSource: control, transresistance: gain)
        case "d":
            try require(3, "2 nodes and a model")
            elementNodes = try nodes(2)
            let m = try requireModel(p[2], types: ["d"], card: card, frame: f)
            let instance = try instanceParameters(
                fields, positionalFrom: 3, positionalNames: ["area"], card: card, frame: f)
            kind = .diode(model: m, instance: instance)
        case "q":
            try require(4, "3 nodes and a model")
            // A fourth node (substrate) is present when the fourth field is not a model.
            let fourthIsModel = try model(p[3].lower, frame: f) != nil
            let hasSubstrate = p.count >= 5 && !fourthIsModel
            let nodeCount = hasSubstrate ? 4 : 3
            elementNodes = try nodes(nodeCount)
            let m = try requireModel(p[nodeCount], types: ["npn", "pnp"], card: card, frame: f)
            let instance = try instanceParameters(
                fields, positionalFrom: nodeCount + 1, positionalNames: ["area"], card: card, frame: f)
            kind = .bjt(model: m, instance: instance)
        case "m":
            try require(5, "4 nodes and a model")
            elementNodes = try nodes(4)
            let m = try requireModel(p[4], types: ["nmos", "pmos"], card: card, frame: f)
            let instance = try instanceParameters(fields, positionalFrom: 5, positionalNames: [], card: card, frame: f)
            kind = .mosfet(model: m, instance: instance)
        case "s":
            try require(5, "4 nodes and a model")
            elementNodes = try nodes(4)
            let m = try requireModel(p[4], types: ["sw"], card: card, frame: f)
            let instance = try instanceParameters(fields, positionalFrom: 5, positionalNames: [], card: card, frame: f)
            kind = .voltageSwitch(model: m, instance: instance)
        case "w":
            try require(4, "2 nodes, a controlling source and a model")
            elementNodes = try nodes(2)
            let control = elementName(p[2].lower, frame: f)
            let m = try requireModel(p[3], types: ["csw"], card: card, frame: f)
            let instance = try instanceParameters(fields, positionalFrom: 4, positionalNames: [], card: card, frame: f)
            kind = .currentSwitch(controllingSource: control, model: m, instance: instance)
        case "k":
            (elementNodes, kind) = try coupling(p, card: card, frame: f)
        case "a", "j", "n", "o", "p", "t", "u", "y", "z":
            throw NetlistError.unsupported(
                location, token: nameToken.lower,
                feature: "element type '\(Character(letter))' is not supported by Kelvin")
        default:
            throw NetlistError.unknownElement(location, token: nameToken.text)
        }
        if let (names, noun) = Self.instanceParameterNames(letter) {
            try checkInstanceKeywords(fields, names: names, noun: noun)
        }
        try add(Element(name: name, nodes: elementNodes, kind: kind, location: card.location))
    }

    /// The `key=value` instance parameters of D, Q, M, S and W cards by letter: those Kelvin's
    /// devices read, and those ngspice-39 knows but Kelvin does not model (initial conditions for
    /// UIC, the diode's perimeter and layout scaling), with the device's noun for messages; nil for
    /// other letters. A `switch` over constant arrays: the dictionary of sets it replaces was built
    /// on every run, ~50,000 instructions of a small deck's 1.3 M.
    static func instanceParameterNames(_ letter: Unicode.Scalar) -> (names: InstanceKeywords, noun: String)? {
        switch letter {
        case "d": (diodeKeywords, "diode")
        case "q": (bjtKeywords, "BJT")
        case "m": (mosfetKeywords, "MOSFET")
        case "s", "w": (switchKeywords, "switch")
        default: nil
        }
    }
    typealias InstanceKeywords = (read: [String], ignored: [String])
    private static let diodeKeywords: InstanceKeywords = (["area", "m", "off", "temp", "dtemp"], ["pj", "ic", "lm", "lp", "wm", "wp"])
    private static let bjtKeywords: InstanceKeywords = (["area", "areab", "areac", "m", "off", "temp", "dtemp"], ["icvbe", "icvce", "ic"])
    private static let mosfetKeywords: InstanceKeywords = (
        ["l", "w", "m", "ad", "as", "pd", "ps", "nrd", "nrs", "off", "temp", "dtemp"], ["icvds", "icvgs", "icvbs", "ic"]
    )
    private static let switchKeywords: InstanceKeywords = (["on", "off"], [])

    /// Checks the `key=value` instance parameters of a device card: one the device reads passes,
    /// one ngspice knows but Kelvin does not model is a located warning (ignored), and any other
    /// is an error at it, as ngspice-39 stops on "unknown parameter (foo)".
    mutating func checkInstanceKeywords(
        _ fields: ElementFields, names: InstanceKeywords, noun: String
    ) throws {
        for (key, _) in fields.keywords where !names.read.contains(key.lower) {
            guard names.ignored.contains(key.lower) else {
                throw NetlistError.syntax(key.location, token: key.lower, message: "unknown \(noun) instance parameter")
            }
            let what = key.lower == "ic" || key.lower.hasPrefix("icv") ? "an initial condition for UIC" : "not modelled"
            deck.warnings.append(
                "\(key.location): warning: \(noun) parameter '\(key.lower)' (\(what)) is not used by Kelvin, ignored ('\(key.lower)')")
        }
    }

    /// The model named by `token`, checked against the allowed `types`; errors at the element's location.
    mutating func requireModel(_ token: Token, types: [String], card: Card, frame f: Int) throws -> Model {
        guard token.kind == .word, let m = try model(token.lower, frame: f) else {
            throw NetlistError.undefinedModel(card.location, name: token.lower)
        }
        guard types.contains(m.type) else {
            throw NetlistError.modelTypeMismatch(
                token.location, name: token.lower, type: m.type,
                expected: types.map { "'\($0)'" }.joined(separator: " or "))
        }
        return m
    }

    /// Instance parameters: positional values (e.g. `area`), flags (`off`, `on`) and `key=value`.
    /// A multi-valued `ic=a,b,...` is stored as `ic`, `ic2`, `ic3`, ...
    func instanceParameters(
        _ fields: ElementFields, positionalFrom start: Int, positionalNames: [String], card: Card, frame f: Int
    ) throws -> InstanceParameters {
        var result: InstanceParameters = [:]
        var nameIndex = 0
        for t in fields.positional.dropFirst(start) {
            if t.lower == "off" || t.lower == "on" {
                result[t.lower] = 1
            } else if nameIndex < positionalNames.count {
                result[positionalNames[nameIndex]] = try value(t, in: card, frame: f)
                nameIndex += 1
            } else {
                throw NetlistError.syntax(t.location, token: t.text, message: "unexpected field")
            }
        }
        for (key, values) in fields.keywords {
            for (i, v) in values.enumerated() {
                result[i == 0 ? key.lower : "\(key.lower)\(i + 1)"] = try value(v, in: card, frame: f)
            }
        }
        return result
    }
}
