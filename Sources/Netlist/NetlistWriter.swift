/// Renders decks and netlist documents as ngspice-dialect text that `NetlistParser` reads back to
/// the same circuit.
///
/// Numbers are written with the shortest text that reads back as the same `Double` (no value is
/// rounded). Cards are written in this order: title, `.include`, `.param`, `.model`, `.subckt`
/// definitions, elements and instances, `.options`/`.temp`, `.ic`/`.nodeset`, analyses, `.end`.
/// Anything that cannot be written faithfully (a name that would not read back as one token, an
/// element name whose letter does not match its kind, a non-finite value, two different models
/// with one name in a scope, ...) throws `NetlistError.unwritable`: nothing is dropped silently.
///
/// ```swift
/// let text = try NetlistWriter.text(deck)     // or deck.spiceText()
/// ```
public enum NetlistWriter {
    /// The location given to cards built in code (used in writer errors).
    public static let generated = SourceLocation(file: "<generated>", line: 0, column: 0)

    /// The text of a flattened deck (see `NetlistDocument.init(_:)` for how models are named).
    ///
    /// A resistor is written with its value at the deck's temperature, without its temperature
    /// coefficients, so a deck that sweeps the temperature (`.dc TEMP`) and has such resistors
    /// cannot be written: the written deck would sweep them as constants.
    public static func text(_ deck: Deck) throws -> String {
        let sweepsTemperature = deck.analyses.contains {
            if case .dcSweep(let specs) = $0.kind { return specs.contains { $0.source == Deck.temperatureSweep } }
            return false
        }
        if sweepsTemperature, let index = deck.resistorTemperatures.keys.min(), index < deck.elements.count {
            let element = deck.elements[index]
            throw Renderer.fail(
                element.location, element.name,
                "resistor temperature coefficients are not written (the value is the one at the deck's temperature), "
                    + "so a .dc TEMP sweep of the written deck would keep it constant")
        }
        return try text(NetlistDocument(deck))
    }

    /// The text of a netlist document, ending with `.end` and a newline.
    public static func text(_ document: NetlistDocument) throws -> String {
        var writer = Renderer()
        try writer.document(document)
        return writer.lines.joined(separator: "\n") + "\n"
    }

    /// The shortest SPICE number text that reads back as exactly `value` (`1000`, `1e-12`,
    /// `0.1`, `-2.5`); `value` must be finite.
    public static func number(_ value: Double) -> String {
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text
    }

    /// The card of one element (one line), its model referred to by `model.name`.
    public static func card(_ element: Element) throws -> String {
        try Renderer.card(element)
    }
}

extension NetlistDocument {
    /// The ngspice-dialect text of this document (`NetlistWriter.text(_:)`).
    public func spiceText() throws -> String { try NetlistWriter.text(self) }
}

extension Deck {
    /// The ngspice-dialect text of this flattened deck (`NetlistWriter.text(_:)`).
    public func spiceText() throws -> String { try NetlistWriter.text(self) }
}

/// Builds the lines of one document.
struct Renderer {
    var lines: [String] = []

    static func fail(_ location: SourceLocation, _ token: String, _ message: String) -> NetlistError {
        .unwritable(location, token: token, message: message)
    }

    /// A finite number as text; throws for NaN and infinities.
    static func number(_ value: Double, _ what: String, at location: SourceLocation, token: String) throws -> String {
        guard value.isFinite else { throw fail(location, token, "\(what) is not finite (\(value))") }
        return NetlistWriter.number(value)
    }

    /// Whether `name` reads back as one word token (no separators, quotes, comment starters).
    static func isWord(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first != "$", first != "*", first != "+" else { return false }
        return name.unicodeScalars.allSatisfy { s in
            s.value > 0x20 && s.value != 0x7F && !"(),={}'\";".unicodeScalars.contains(s)
        }
    }

    /// Checks that `name` is one word; `what` says what it names.
    static func checkName(_ name: String, _ what: String, at location: SourceLocation) throws {
        guard isWord(name) else {
            throw fail(location, name, "\(what) name does not read back as one token")
        }
    }

    mutating func document(_ d: NetlistDocument) throws {
        guard !d.title.contains(where: \.isNewline) else {
            throw Self.fail(NetlistWriter.generated, d.title, "title must be one line")
        }
        lines.append(d.title)
        for path in d.includes {
            guard !path.isEmpty, !path.contains("\""), !path.contains(where: \.isNewline) else {
                throw Self.fail(NetlistWriter.generated, path, ".include path cannot be written")
            }
            lines.append(".include \"\(path)\"")
        }
        try scope(d.top, inherited: [:], subcircuits: [:])
        try options(d.options)
        for (keyword, voltages) in [(".ic", d.initialConditions), (".nodeset", d.nodeSets)] where !voltages.isEmpty {
            var card = keyword
            for (node, value) in voltages.sorted(by: { $0.key < $1.key }) {
                try Self.checkName(node, "node", at: NetlistWriter.generated)
                card += " v(\(node))=" + (try Self.number(value, "\(keyword) value", at: NetlistWriter.generated, token: node))
            }
            lines.append(card)
        }
        for analysis in d.analyses { lines.append(try Self.analysis(analysis)) }
        lines.append(".end")
    }

    // MARK: Scopes

    /// Writes a scope's cards. `inherited` are the models the enclosing scopes write (a model of
    /// the same name and content is not written again); `subcircuits` the definitions visible
    /// from enclosing scopes (name → port count), to check instances.
    mutating func scope(
        _ s: NetlistScope, inherited: [String: Model], subcircuits visible: [String: Int]
    ) throws {
        for p in s.parameters { lines.append(".param " + (try Self.assignment(p))) }
        let local = try Self.models(of: s, inherited: inherited)
        for model in local { lines.append(try Self.modelCard(model)) }
        var models = inherited
        for model in local { models[model.name] = model }
        var visible = visible
        var names = Set<String>()
        for sub in s.subcircuits {
            guard names.insert(sub.name.lowercased()).inserted else {
                throw Self.fail(NetlistWriter.generated, sub.name, "subcircuit defined twice in one scope")
            }
            visible[sub.name.lowercased()] = sub.ports.count
        }
        for sub in s.subcircuits { try subcircuit(sub, models: models, visible: visible) }
        for component in s.components {
            switch component {
            case .element(let e): lines.append(try Self.card(e))
            case .instance(let x): lines.append(try Self.instance(x, visible: visible))
            }
        }
    }

    mutating func subcircuit(_ sub: SubcircuitDefinition, models: [String: Model], visible: [String: Int]) throws {
        try Self.checkName(sub.name, "subcircuit", at: NetlistWriter.generated)
        var header = ".subckt \(sub.name)"
        for port in sub.ports {
            try Self.checkName(port, "port", at: NetlistWriter.generated)
            header += " \(port)"
        }
        if !sub.parameters.isEmpty {
            header += " params: " + (try sub.parameters.map { try Self.assignment($0) }.joined(separator: " "))
        }
        lines.append(header)
        try scope(sub.body, inherited: models, subcircuits: visible)
        lines.append(".ends \(sub.name)")
    }

    /// `name=value` with the value as a number or `{expression}`.
    static func assignment(_ a: ParameterAssignment) throws -> String {
        guard isWord(a.name), a.name.unicodeScalars.first.map(SpiceNumber.isLetter) == true else {
            throw fail(generatedLocation, a.name, "parameter name does not read back as one name")
        }
        switch a.value {
        case .number(let v): return "\(a.name)=" + (try number(v, "parameter value", at: generatedLocation, token: a.name))
        case .expression(let text):
            guard !text.isEmpty, !text.contains(where: { $0 == "{" || $0 == "}" || $0.isNewline }) else {
                throw fail(generatedLocation, a.name, "expression cannot be written in braces: '\(text)'")
            }
            return "\(a.name)={\(text)}"
        }
    }

    static var generatedLocation: SourceLocation { NetlistWriter.generated }

    static func instance(_ x: SubcircuitInstance, visible: [String: Int]) throws -> String {
        let location = generatedLocation
        guard x.name.lowercased().hasPrefix("x") else {
            throw fail(location, x.name, "subcircuit instance name must start with 'x'")
        }
        try checkName(x.name, "instance", at: location)
        try checkName(x.subcircuit, "subcircuit", at: location)
        if let ports = visible[x.subcircuit.lowercased()], ports != x.nodes.count {
            throw fail(
                location, x.name, "instance connects \(x.nodes.count) nodes, subcircuit '\(x.subcircuit)' has \(ports)")
        }
        var card = x.name
        for node in x.nodes {
            try checkName(node, "node", at: location)
            card += " \(node)"
        }
        card += " \(x.subcircuit)"
        for p in x.parameters { card += " " + (try assignment(p)) }
        return card
    }

    // MARK: Models

    /// The models a scope writes: its explicit `models`, then those its elements embed, each name
    /// once; a model equal to an inherited one of the same name is left to the enclosing scope.
    static func models(of s: NetlistScope, inherited: [String: Model]) throws -> [Model] {
        var result: [Model] = []
        var index: [String: Int] = [:]
        for m in s.models {
            guard index[m.name] == nil else {
                throw fail(m.location, m.name, "model defined twice in one scope")
            }
            index[m.name] = result.count
            result.append(m)
        }
        for component in s.components {
            guard case .element(let e) = component, let m = e.kind.model else { continue }
            if let k = index[m.name] {
                guard sameModel(result[k], m) else {
                    throw fail(
                        e.location, m.name,
                        "element '\(e.name)' uses model '\(m.name)' with other parameters than another card of its scope")
                }
                continue
            }
            if let outer = inherited[m.name], sameModel(outer, m) { continue }
            index[m.name] = result.count
            result.append(m)
        }
        return result
    }

    static func sameModel(_ a: Model, _ b: Model) -> Bool {
        a.type.lowercased() == b.type.lowercased() && a.parameters == b.parameters
    }

    /// `.model NAME TYPE(p=v ...)`, parameters sorted by name.
    static func modelCard(_ m: Model) throws -> String {
        try checkName(m.name, "model", at: m.location)
        guard isWord(m.type), m.type.unicodeScalars.allSatisfy(SpiceNumber.isLetter) else {
            throw fail(m.location, m.type, "model type does not read back as one word")
        }
        var fields: [String] = []
        for (key, value) in m.parameters.sorted(by: { $0.key < $1.key }) {
            guard isWord(key), key.unicodeScalars.first.map(SpiceNumber.isLetter) == true,
                SpiceNumber.parse(key) == nil
            else {
                throw fail(m.location, key, "model parameter name does not read back as one name")
            }
            fields.append("\(key)=" + (try number(value, "model parameter", at: m.location, token: key)))
        }
        return ".model \(m.name) \(m.type)(" + fields.joined(separator: " ") + ")"
    }

    // MARK: Elements

    /// The card of one element.
    static func card(_ e: Element) throws -> String {
        let location = e.location
        try checkName(e.name, "element", at: location)
        let letter = e.kind.letter
        guard e.kind.letters.contains(where: { e.name.lowercased().hasPrefix($0) }) else {
            throw fail(
                location, e.name,
                "a \(e.kind.noun) needs a name starting with "
                    + e.kind.letters.map { "'\($0)'" }.joined(separator: " or "))
        }
        let counts = e.kind.nodeCounts
        guard counts.contains(e.nodes.count) else {
            throw fail(
                location, e.name,
                "a \(e.kind.noun) has \(counts.map(String.init).joined(separator: " or ")) nodes, not \(e.nodes.count)")
        }
        for node in e.nodes { try checkName(node, "node", at: location) }
        func num(_ v: Double, _ what: String) throws -> String { try number(v, what, at: location, token: e.name) }
        func control(_ source: String) throws -> String {
            try checkName(source, "controlling source", at: location)
            return source
        }
        func modelName(_ m: Model, types: [String]) throws -> String {
            guard types.contains(m.type.lowercased()) else {
                throw fail(
                    location, m.name,
                    "a \(e.kind.noun) needs a model of type \(types.joined(separator: " or ")), not '\(m.type)'")
            }
            try checkName(m.name, "model", at: m.location)
            return m.name
        }
        var fields = [e.name] + e.nodes
        switch e.kind {
        case .resistor(let r):
            fields.append(try num(r, "resistance"))
        case .capacitor(let c, let ic):
            fields.append(try num(c, "capacitance"))
            if let ic { fields.append("ic=" + (try num(ic, "initial condition"))) }
        case .inductor(let l, let ic):
            fields.append(try num(l, "inductance"))
            if let ic { fields.append("ic=" + (try num(ic, "initial condition"))) }
        case .voltageSource(let s), .currentSource(let s):
            fields += try source(s, location: location, token: e.name)
        case .vcvs(let gain), .vccs(let gain):
            fields.append(try num(gain, "gain"))
        case .cccs(let src, let gain), .ccvs(let src, let gain):
            fields += [try control(src), try num(gain, "gain")]
        case .diode(let m, let instance):
            fields.append(try modelName(m, types: ["d"]))
            fields += try instanceFields(instance, location: location, token: e.name)
        case .bjt(let m, let instance):
            fields.append(try modelName(m, types: ["npn", "pnp"]))
            // The parser takes a fourth field naming a model as the model (no substrate node).
            if e.nodes.count == 4, e.nodes[3].lowercased() == m.name.lowercased() {
                throw fail(location, e.nodes[3], "substrate node has the name of the transistor's model")
            }
            fields += try instanceFields(instance, location: location, token: e.name)
        case .mosfet(let m, let instance):
            fields.append(try modelName(m, types: ["nmos", "pmos"]))
            fields += try instanceFields(instance, location: location, token: e.name)
        case .voltageSwitch(let m, let instance):
            fields.append(try modelName(m, types: ["sw"]))
            fields += try instanceFields(instance, location: location, token: e.name)
        case .currentSwitch(let src, let m, let instance):
            fields += [try control(src), try modelName(m, types: ["csw"])]
            fields += try instanceFields(instance, location: location, token: e.name)
        case .behavioralVoltage(let f), .behavioralCurrent(let f):
            // POLY as written; otherwise B: `V=`/`I=`, E and G: `value=` (F and H have no
            // expression form in ngspice).
            let first = e.name.lowercased().first
            if let poly = f.polynomial, first != "b" {
                fields.append("poly(\(poly.controls.count))")
                for names in poly.controls {
                    for name in names { try checkName(name, "controlling node or source", at: location) }
                    fields += names
                }
                fields += try poly.coefficients.map { try num($0, "POLY coefficient") }
                return fields.joined(separator: " ")
            }
            if first == "f" || first == "h" {
                throw fail(
                    location, e.name,
                    "a behavioural (POLY) \(first == "f" ? "F" : "H") source cannot be written; name it as a B source")
            }
            if first != "b", let table = f.root.tableForm {
                let points = try table.points.map { "(\(try num($0.0, "table x")), \(try num($0.1, "table y")))" }
                fields.append("table {\(table.argument.text(f.controls))} = " + points.joined(separator: " "))
                return fields.joined(separator: " ")
            }
            var isVoltage = false
            if case .behavioralVoltage = e.kind { isVoltage = true }
            let key = first == "b" ? (isVoltage ? "v" : "i") : "value"
            fields.append("\(key)={\(f.description)}")
        case .mutualInductance(let first, let second, let k):
            fields += [try control(first), try control(second), try num(k, "coupling factor")]
        }
        return fields.joined(separator: " ")
    }

    /// Instance parameters: flags (`off`, `on`), then `key=value` sorted by key, with `ic`, `ic2`,
    /// `ic3`, ... written as `ic=a,b,c`. `area` is written as `area=` too: ngspice-39 reads a
    /// positional number after a diode's model as a node (its thermal-node form) and fails.
    static func instanceFields(
        _ parameters: InstanceParameters, location: SourceLocation, token: String
    ) throws -> [String] {
        var rest = parameters
        var fields: [String] = []
        func num(_ v: Double, _ key: String) throws -> String {
            try number(v, "instance parameter '\(key)'", at: location, token: token)
        }
        for flag in ["off", "on"] where rest[flag] == 1 {
            rest[flag] = nil
            fields.append(flag)
        }
        if let first = rest.removeValue(forKey: "ic") {
            var values = [try num(first, "ic")]
            var k = 2
            while let v = rest.removeValue(forKey: "ic\(k)") {
                values.append(try num(v, "ic\(k)"))
                k += 1
            }
            fields.append("ic=" + values.joined(separator: ","))
        }
        for (key, value) in rest.sorted(by: { $0.key < $1.key }) {
            guard isWord(key), key.unicodeScalars.first.map(SpiceNumber.isLetter) == true else {
                throw fail(location, key, "instance parameter name does not read back as one name")
            }
            fields.append("\(key)=" + (try num(value, key)))
        }
        return fields
    }

    /// The fields of a V or I card after its nodes: `[DC v] [AC mag [phase]] [waveform]`.
    static func source(_ s: Source, location: SourceLocation, token: String) throws -> [String] {
        func num(_ v: Double, _ what: String) throws -> String { try number(v, what, at: location, token: token) }
        var fields: [String] = []
        if let dc = s.dc { fields += ["dc", try num(dc, "DC value")] }
        if s.acMagnitude != 0 || s.acPhase != 0 {
            fields += ["ac", try num(s.acMagnitude, "AC magnitude")]
            if s.acPhase != 0 { fields.append(try num(s.acPhase, "AC phase")) }
        }
        guard let waveform = s.waveform else { return fields }
        func list(_ name: String, _ values: [Double], count: ClosedRange<Int>) throws -> String {
            guard count.contains(values.count) else {
                throw fail(location, token, "\(name) takes \(count.lowerBound) to \(count.upperBound) values, not \(values.count)")
            }
            return "\(name)(" + (try values.map { try num($0, "\(name) value") }.joined(separator: " ")) + ")"
        }
        switch waveform {
        case .pulse(let p): fields.append(try list("pulse", p, count: 2...8))
        case .sin(let p): fields.append(try list("sin", p, count: 2...6))
        case .exp(let p): fields.append(try list("exp", p, count: 2...6))
        case .pwl(let points, let repeatFrom, let delay):
            guard !points.isEmpty else { throw fail(location, token, "PWL has no points") }
            var values: [String] = []
            values.reserveCapacity(2 * points.count)
            var previous = -Double.infinity
            for point in points {
                guard point.time >= previous else { throw fail(location, token, "PWL times must not decrease") }
                previous = point.time
                values.append(try num(point.time, "PWL time"))
                values.append(try num(point.value, "PWL value"))
            }
            fields.append("pwl(" + values.joined(separator: " ") + ")")
            if let r = repeatFrom { fields.append("r=" + (try num(r, "PWL repeat time"))) }
            if delay != 0 { fields.append("td=" + (try num(delay, "PWL delay"))) }
        }
        return fields
    }

    // MARK: Control cards

    mutating func options(_ o: Options) throws {
        let location = NetlistWriter.generated
        var fields: [String] = []
        for (key, value) in o.values.sorted(by: { $0.key < $1.key }) where key != "temp" {
            try Self.checkName(key, "option", at: location)
            fields.append("\(key)=" + (try Self.number(value, "option", at: location, token: key)))
        }
        for (key, value) in o.text.sorted(by: { $0.key < $1.key }) {
            try Self.checkName(key, "option", at: location)
            guard Self.isWord(value), SpiceNumber.parse(value) == nil else {
                throw Self.fail(location, key, "option value '\(value)' does not read back as one word")
            }
            fields.append("\(key)=\(value)")
        }
        if !fields.isEmpty { lines.append(".options " + fields.joined(separator: " ")) }
        if let temp = o.values["temp"] {
            lines.append(".temp " + (try Self.number(temp, "temperature", at: location, token: "temp")))
        }
    }

    static func analysis(_ kind: AnalysisKind) throws -> String {
        let location = NetlistWriter.generated
        func num(_ v: Double, _ token: String) throws -> String { try number(v, "analysis value", at: location, token: token) }
        switch kind {
        case .operatingPoint:
            return ".op"
        case .dcSweep(let sweeps):
            guard sweeps.count == 1 || sweeps.count == 2 else {
                throw fail(location, ".dc", ".dc takes one or two sweeps, not \(sweeps.count)")
            }
            var card = ".dc"
            for s in sweeps {
                try checkName(s.source, "sweep source", at: location)
                card += " \(s.source) " + [try num(s.start, s.source), try num(s.stop, s.source), try num(s.step, s.source)]
                    .joined(separator: " ")
            }
            return card
        case .transient(let step, let stop, let start, let maxStep, let uic):
            var card = ".tran \(try num(step, ".tran")) \(try num(stop, ".tran"))"
            if let maxStep {
                card += " \(try num(start, ".tran")) \(try num(maxStep, ".tran"))"
            } else if start != 0 {
                card += " \(try num(start, ".tran"))"
            }
            if uic { card += " uic" }
            return card
        case .ac(let variation, let points, let start, let stop):
            guard points >= 1 else { throw fail(location, ".ac", "point count must be positive, not \(points)") }
            return ".ac \(variation.rawValue) \(points) \(try num(start, ".ac")) \(try num(stop, ".ac"))"
        case .transferFunction(let output, let source):
            return ".tf \(output) \(source)"
        case .sensitivity(let output):
            return ".sens \(output)"
        case .noise(let output, let source, let variation, let points, let start, let stop):
            guard points >= 1 else { throw fail(location, ".noise", "point count must be positive, not \(points)") }
            return ".noise \(output) \(source) \(variation.rawValue) \(points) \(try num(start, ".noise")) \(try num(stop, ".noise"))"
        }
    }
}

extension ElementKind {
    /// The card letter of this kind.
    var letter: String {
        switch self {
        case .resistor: return "r"
        case .capacitor: return "c"
        case .inductor: return "l"
        case .voltageSource: return "v"
        case .currentSource: return "i"
        case .vcvs: return "e"
        case .vccs: return "g"
        case .cccs: return "f"
        case .ccvs: return "h"
        case .diode: return "d"
        case .bjt: return "q"
        case .mosfet: return "m"
        case .voltageSwitch: return "s"
        case .currentSwitch: return "w"
        case .mutualInductance: return "k"
        case .behavioralVoltage, .behavioralCurrent: return "b"
        }
    }

    /// The card letters an element of this kind may be named with.
    var letters: [String] {
        switch self {
        case .behavioralVoltage: return ["b", "e", "h"]
        case .behavioralCurrent: return ["b", "g", "f"]
        default: return [letter]
        }
    }

    /// What the kind is called in messages.
    var noun: String {
        switch self {
        case .resistor: return "resistor"
        case .capacitor: return "capacitor"
        case .inductor: return "inductor"
        case .voltageSource: return "voltage source"
        case .currentSource: return "current source"
        case .vcvs: return "VCVS"
        case .vccs: return "VCCS"
        case .cccs: return "CCCS"
        case .ccvs: return "CCVS"
        case .diode: return "diode"
        case .bjt: return "BJT"
        case .mosfet: return "MOSFET"
        case .voltageSwitch: return "voltage switch"
        case .currentSwitch: return "current switch"
        case .behavioralVoltage: return "behavioural voltage source"
        case .behavioralCurrent: return "behavioural current source"
        case .mutualInductance: return "coupling"
        }
    }

    /// The numbers of nodes the card may have.
    var nodeCounts: [Int] {
        switch self {
        case .vcvs, .vccs, .mosfet, .voltageSwitch: return [4]
        case .bjt: return [3, 4]
        case .mutualInductance: return [0]
        default: return [2]
        }
    }

    /// The embedded model of a semiconductor or switch.
    var model: Model? {
        switch self {
        case .diode(let m, _), .bjt(let m, _), .mosfet(let m, _), .voltageSwitch(let m, _), .currentSwitch(_, let m, _):
            return m
        default: return nil
        }
    }

    /// The same element with its model replaced.
    func replacingModel(_ m: Model) -> ElementKind {
        switch self {
        case .diode(_, let i): return .diode(model: m, instance: i)
        case .bjt(_, let i): return .bjt(model: m, instance: i)
        case .mosfet(_, let i): return .mosfet(model: m, instance: i)
        case .voltageSwitch(_, let i): return .voltageSwitch(model: m, instance: i)
        case .currentSwitch(let c, _, let i): return .currentSwitch(controllingSource: c, model: m, instance: i)
        default: return self
        }
    }
}

extension NetlistDocument {
    /// A flat document holding a parsed deck: its elements at the top level with their models.
    ///
    /// A flattened deck can hold two models of one name with different parameters (a model of a
    /// subcircuit whose parameters depend on the instance): the first keeps the name, each other
    /// variant is renamed `NAME_2`, `NAME_3`, ... (a name no other model uses).
    public init(_ deck: Deck) {
        // Each model name's distinct variants, in first-use order, with the name each is written under.
        var variants: [String: [Model]] = [:]
        var taken = Set(deck.elements.compactMap { $0.kind.model?.name })
        var top = NetlistScope()
        top.components.reserveCapacity(deck.elements.count)
        for var element in deck.elements {
            if let m = element.kind.model {
                var list = variants[m.name, default: []]
                let written: Model
                if let known = list.first(where: { Renderer.sameModel($0, m) }) {
                    written = known
                } else {
                    var copy = m
                    if !list.isEmpty {
                        var n = list.count + 1
                        while taken.contains("\(m.name)_\(n)") { n += 1 }
                        copy.name = "\(m.name)_\(n)"
                        taken.insert(copy.name)
                    }
                    list.append(copy)
                    variants[m.name] = list
                    written = copy
                }
                if written.name != m.name { element.kind = element.kind.replacingModel(written) }
            }
            top.components.append(.element(element))
        }
        self.init(
            title: deck.title, top: top, analyses: deck.analyses.map(\.kind), options: deck.options,
            initialConditions: deck.initialConditions, nodeSets: deck.nodeSets)
    }
}
