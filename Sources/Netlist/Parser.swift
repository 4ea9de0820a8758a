/// Reads ngspice-dialect netlists into flattened `Deck`s.
///
/// The title is the first line; `*` starts a comment line, `;` and ` $` start inline comments and `+`
/// continues the previous card. Names and keywords are case-insensitive (everything is lower-cased
/// except `.include` / `.lib` file names). `.param` expressions are evaluated, `.model` cards are
/// embedded in the elements that use them and `.subckt` instances are expanded with ngspice's naming
/// (`r.x1.r1`, node `x1.n1`). Every error is a `NetlistError` with a file, line, column and token.
public enum NetlistParser {
    /// Parses a deck file (follows .include/.lib relative to it) into a flattened Deck.
    public static func parse(file path: String) throws -> Deck {
        let source = try SourceFile.load(path: path, includedFrom: nil)
        return try parse(source)
    }

    /// Parses a deck file with top-level `.param` values replaced (`alterparam NAME=VALUE` then
    /// `reset` in a `.control` block): a parameter in `overrides` takes that value where the deck
    /// defines it, and later parameters see the new value.
    public static func parse(file path: String, parameterOverrides overrides: [String: Double]) throws -> Deck {
        let source = try SourceFile.load(path: path, includedFrom: nil)
        return try parse(source, parameterOverrides: overrides)
    }

    /// Parses deck text; `fileName` is used in error locations, `directory` resolves .include.
    public static func parse(text: String, fileName: String, directory: String) throws -> Deck {
        try parse(SourceFile(text: text, name: fileName, directory: directory))
    }

    /// Parses deck text with top-level `.param` values replaced, as `parse(file:parameterOverrides:)`
    /// does (a characterisation sweeping a parameter re-reads the deck once per value).
    public static func parse(
        text: String, fileName: String, directory: String, parameterOverrides overrides: [String: Double]
    ) throws -> Deck {
        try parse(SourceFile(text: text, name: fileName, directory: directory), parameterOverrides: overrides)
    }

    static func parse(_ source: SourceFile, parameterOverrides: [String: Double] = [:]) throws -> Deck {
        guard source.lines.contains(where: { $0.contains(where: { !Lexer.isSpace($0) }) }) else {
            throw NetlistError.emptyInput(SourceLocation(file: source.name, line: 1, column: 1))
        }
        var reader = CardReader()
        reader.includeStack = [source.name]
        _ = try reader.read(source, firstLine: 1)
        var title = String(scalars: source.lines[0][...]).trimmingSpaces
        var builder = StructureBuilder(cards: try ConditionalSections.select(reader.cards))
        let top = try builder.buildTop()
        if let override = builder.title { title = override }
        var flattener = Flattener(globals: builder.globals)
        flattener.parameterOverrides = parameterOverrides
        var deck = try flattener.flatten(top, title: title)
        // A card inside a subcircuit is seen once per instance: keep each note once, in order.
        var seen = Set<String>()
        deck.notes = (reader.notes + builder.notes + deck.notes).filter { seen.insert($0).inserted }
        seen = []
        deck.warnings = (builder.warnings + deck.warnings).filter { seen.insert($0).inserted }
        deck.titleLocation = SourceLocation(file: source.name, line: 1, column: 1)
        deck.controlBlocks = reader.controlBlocks
        deck.control = reader.controlLines
        return deck
    }
}

/// A `name=value` pair from `.param`, `.subckt ... params:` or an `X` card.
struct Assignment: Sendable {
    var name: String
    var nameLocation: SourceLocation
    var value: ValueText
}

/// A value as written: a single token, or raw text from an assignment list.
struct ValueText: Sendable {
    var line: LogicalLine
    /// The scalar range of the value in `line`, including `{}` or quotes when present.
    var range: Range<Int>
    var text: String { line.text(range) }
    var location: SourceLocation { line.location(at: range.lowerBound) }

    init(line: LogicalLine, range: Range<Int>) {
        self.line = line
        self.range = range
    }

    init(_ token: Token, in card: Card) {
        self.init(line: card.line, range: token.range)
    }
}

/// A `.subckt` definition with its body.
struct Subcircuit: Sendable {
    var name: String
    var ports: [String]
    var defaults: [Assignment]
    var body: Body
    var location: SourceLocation
    /// Unique per definition, to detect recursive instantiation.
    var id: Int
}

/// The cards of the top level or of one `.subckt`, sorted by role. Definitions are local to the body.
struct Body: Sendable {
    /// Elements and dot commands other than definitions, in deck order.
    var cards: [Card] = []
    /// `.param` assignments in deck order.
    var parameters: [Assignment] = []
    var models: [String: Card] = [:]
    var subcircuits: [String: Subcircuit] = [:]
    /// `.func` definitions.
    var functions: [String: Expression.UserFunction] = [:]
}

/// Groups the card stream into the top-level body and nested `.subckt` bodies.
struct StructureBuilder {
    let cards: [Card]
    var index = 0
    var nextID = 0
    /// Depth of nested `.subckt` definitions being read.
    var nesting = 0
    var notes: [String] = []
    /// Located warnings (`FILE:LINE:COL: warning: ...`).
    var warnings: [String] = []
    var globals: Set<String> = []
    var title: String?

    init(cards: [Card]) { self.cards = cards }

    mutating func buildTop() throws -> Body {
        try buildBody(until: nil)
    }

    /// Collects cards until the `.ends` of `open` (or the end of input at the top level).
    mutating func buildBody(until open: Card?) throws -> Body {
        var body = Body()
        while index < cards.count {
            let card = cards[index]
            index += 1
            switch card.keyword {
            case ".subckt":
                let sub = try subcircuit(card)
                if let existing = body.subcircuits[sub.name] {
                    notes.append(
                        "\(sub.location): note: subcircuit '\(sub.name)' redefined "
                            + "(first at \(existing.location)); using the first")
                } else {
                    body.subcircuits[sub.name] = sub
                }
            case ".ends":
                guard let open else {
                    throw NetlistError.syntax(
                        card.location, token: card.tokens[0].text, message: "'.ends' without '.subckt'")
                }
                // ngspice-39 ignores the name after `.ends` (it closes the innermost open
                // `.subckt` whatever the name): accept it as ngspice does, with a warning.
                if card.tokens.count > 1, card.tokens[1].lower != open.tokens[1].lower {
                    warnings.append(
                        "\(card.tokens[1].location): warning: '.ends' name differs from '.subckt "
                            + "\(open.tokens[1].lower)' (\(open.location)); ignored as ngspice does "
                            + "('\(card.tokens[1].lower)')")
                }
                return body
            case ".model":
                guard card.tokens.count >= 3 else {
                    throw NetlistError.missingField(
                        card.location, token: card.keyword, expected: "a model name and type")
                }
                let name = card.tokens[1].lower
                if let existing = body.models[name] {
                    notes.append(
                        "\(card.location): note: model '\(name)' redefined "
                            + "(first at \(existing.location)); using the last")
                }
                body.models[name] = card
            case ".param":
                body.parameters += try Self.assignments(in: card.line, from: card.tokens[0].range.upperBound)
            case ".func":
                let function = try Self.userFunction(card)
                body.functions[function.name] = function
            case ".global":
                for token in card.tokens.dropFirst() where token.kind == .word { globals.insert(token.lower) }
            case ".title":
                title = card.line.text(card.tokens[0].range.upperBound..<card.line.scalars.count).trimmingSpaces
            default:
                body.cards.append(card)
            }
        }
        if let open {
            throw NetlistError.unterminated(open.location, token: open.tokens[1].lower, expected: ".ends")
        }
        return body
    }

    /// Parses a `.subckt NAME n1 n2 ... [params:] p=default ...` header and its body.
    mutating func subcircuit(_ card: Card) throws -> Subcircuit {
        nesting += 1
        defer { nesting -= 1 }
        guard nesting <= 100 else {
            throw NetlistError.syntax(
                card.location, token: card.keyword, message: "subcircuit definitions nested too deeply")
        }
        guard card.tokens.count >= 2, card.tokens[1].kind == .word else {
            throw NetlistError.missingField(card.location, token: card.keyword, expected: "a subcircuit name")
        }
        var ports: [String] = []
        var i = 2
        var parameterStart: Int?
        while i < card.tokens.count {
            let t = card.tokens[i]
            if t.lower == "params:" {
                parameterStart = t.range.upperBound
                break
            }
            if i + 1 < card.tokens.count, card.tokens[i + 1].kind == .equals {
                parameterStart = t.range.lowerBound
                break
            }
            guard t.kind == .word else {
                throw NetlistError.syntax(t.location, token: t.text, message: "expected a node name")
            }
            ports.append(Self.node(t.lower))
            i += 1
        }
        let defaults = try parameterStart.map { try Self.assignments(in: card.line, from: $0) } ?? []
        let body = try buildBody(until: card)
        nextID += 1
        return Subcircuit(
            name: card.tokens[1].lower, ports: ports, defaults: defaults, body: body, location: card.location,
            id: nextID)
    }

    /// Parses `.func NAME(a, b, ...) {expr}` (also `= expr` or `'expr'`).
    static func userFunction(_ card: Card) throws -> Expression.UserFunction {
        let t = card.tokens
        guard t.count >= 4, t[1].kind == .word, t[2].kind == .openParen else {
            throw NetlistError.syntax(card.location, token: card.keyword, message: "expected '.func NAME(ARGS) {EXPR}'")
        }
        var parameters: [String] = []
        var i = 3
        while i < t.count, t[i].kind == .word {
            parameters.append(t[i].lower)
            i += 1
        }
        guard i < t.count, t[i].kind == .closeParen else {
            let bad = i < t.count ? t[i] : t[t.count - 1]
            throw NetlistError.syntax(bad.location, token: bad.text, message: "expected ')' after .func arguments")
        }
        i += 1
        if i < t.count, t[i].kind == .equals { i += 1 }
        guard i < t.count else {
            throw NetlistError.missingField(t[1].location, token: t[1].lower, expected: "a function body")
        }
        var range = t[i].range.lowerBound..<t[t.count - 1].range.upperBound
        if i == t.count - 1, t[i].kind == .expression {
            range = (range.lowerBound + 1)..<(range.upperBound - 1)
        }
        let body = try Expression.parse(card.line, range)
        return Expression.UserFunction(name: t[1].lower, parameters: parameters, body: body, location: card.location)
    }

    /// Ground aliases map to `0`.
    static func node(_ name: String) -> String { name == "gnd" ? "0" : name }

    /// Scans `name = value` pairs from `start` to the end of the line. A value is a `{}` or quoted
    /// expression, or raw text up to the next `name =` (so `.param a = 1 + 2` works unbraced).
    static func assignments(in line: LogicalLine, from start: Int) throws -> [Assignment] {
        let s = line.scalars
        var result: [Assignment] = []
        var i = start
        func skipSeparators() {
            while i < s.count, Lexer.isSpace(s[i]) || s[i] == "," { i += 1 }
        }
        func nameEnd(at position: Int) -> Int {
            var j = position
            guard j < s.count, SpiceNumber.isLetter(s[j]) else { return position }
            while j < s.count, SpiceNumber.isLetter(s[j]) || SpiceNumber.isDigit(s[j]) || s[j] == "." { j += 1 }
            return j
        }
        /// True when `position` starts `name =` (not `==`).
        func startsAssignment(_ position: Int) -> Bool {
            var j = nameEnd(at: position)
            guard j > position else { return false }
            while j < s.count, Lexer.isSpace(s[j]) { j += 1 }
            return j < s.count && s[j] == "=" && !(j + 1 < s.count && s[j + 1] == "=")
        }
        while true {
            skipSeparators()
            guard i < s.count else { break }
            let end = nameEnd(at: i)
            guard end > i, startsAssignment(i) else {
                var j = i
                while j < s.count, !Lexer.isSpace(s[j]) { j += 1 }
                throw NetlistError.syntax(
                    line.location(at: i), token: line.text(i..<j), message: "expected 'name=value'")
            }
            let name = line.text(i..<end).lowercased()
            let nameLocation = line.location(at: i)
            i = end
            while i < s.count, s[i] != "=" { i += 1 }
            i += 1
            while i < s.count, Lexer.isSpace(s[i]) { i += 1 }
            let valueStart = i
            if i < s.count, s[i] == "{" {
                i = try Lexer.closingBrace(in: line, from: i)
            } else if i < s.count, s[i] == "'" {
                var j = i + 1
                while j < s.count, s[j] != "'" { j += 1 }
                guard j < s.count else {
                    throw NetlistError.unterminated(line.location(at: i), token: "'", expected: "closing '")
                }
                i = j + 1
            } else {
                var depth = 0
                while i < s.count {
                    let c = s[i]
                    if c == "(" { depth += 1 }
                    if c == ")" { depth -= 1 }
                    if depth <= 0, Lexer.isSpace(c) || c == "," {
                        var j = i
                        while j < s.count, Lexer.isSpace(s[j]) || s[j] == "," { j += 1 }
                        if j == s.count || startsAssignment(j) { break }
                    }
                    i += 1
                }
            }
            var valueEnd = i
            while valueEnd > valueStart, Lexer.isSpace(s[valueEnd - 1]) { valueEnd -= 1 }
            guard valueEnd > valueStart else {
                throw NetlistError.missingField(nameLocation, token: name, expected: "a value after '='")
            }
            result.append(
                Assignment(
                    name: name, nameLocation: nameLocation, value: ValueText(line: line, range: valueStart..<valueEnd)))
        }
        return result
    }
}
