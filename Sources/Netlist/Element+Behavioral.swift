/// Behavioural sources: `B` cards, E/G with `value=`/`vol=`/`cur=`/`table`, and E/F/G/H `POLY(n)`.
///
/// Each becomes `ElementKind.behavioralVoltage` (B with `V=`, E, H: the voltage from n+ to n− is
/// the expression, with a branch current) or `.behavioralCurrent` (B with `I=`, G, F: the
/// expression is the current from n+ through the source to n−), as ngspice-39 turns them into B
/// sources. Expressions are bound in the scope of the card (see `BehavioralExpression`).
extension Flattener {
    /// The binder for expressions on a card of `frame`: parameters, `.func`s, node and element
    /// names of that scope.
    func binder(frame f: Int) -> BehavioralBinder {
        let frame = frames[f], globals = globals
        // A copy of the flattener for the look-ups: the binder lives only while one card is read.
        let snapshot = self
        return BehavioralBinder(
            parameter: { snapshot.lookup($0, from: f) }, userFunction: { snapshot.userFunction($0, from: f) },
            node: { Self.node($0, in: frame, globals: globals) }, element: { snapshot.elementName($0, frame: f) })
    }

    /// Parses and binds the expression text in `range` of the card's line; a text that is one
    /// `{...}` or `'...'` is read without its delimiters.
    func behavioralExpression(_ card: Card, _ range: Range<Int>, binder: inout BehavioralBinder) throws
        -> BehavioralNode
    {
        let s = card.line.scalars
        var lower = range.lowerBound, upper = range.upperBound
        while lower < upper, Lexer.isSpace(s[lower]) { lower += 1 }
        while upper > lower, Lexer.isSpace(s[upper - 1]) { upper -= 1 }
        guard lower < upper else {
            throw NetlistError.missingField(card.location, token: card.keyword, expected: "an expression")
        }
        if s[lower] == "{", try Lexer.closingBrace(in: card.line, from: lower) == upper {
            lower += 1
            upper -= 1
        } else if s[lower] == "'", upper - lower >= 2, s[upper - 1] == "'",
            !s[(lower + 1)..<(upper - 1)].contains("'")
        {
            lower += 1
            upper -= 1
        }
        let parsed = try Expression.parse(card.line, lower..<upper, behavioral: true)
        return try binder.bind(parsed)
    }

    /// The end of an expression that starts at `start`: the end of the line, or the first
    /// `name=` outside parentheses, braces and quotes (an instance parameter after it).
    static func expressionEnd(in line: LogicalLine, from start: Int) -> Int {
        let s = line.scalars
        var depth = 0
        var quoted = false
        var i = start
        while i < s.count {
            let c = s[i]
            if c == "'" { quoted.toggle() }
            if !quoted {
                if c == "(" || c == "{" { depth += 1 }
                if c == ")" || c == "}" { depth -= 1 }
                if depth == 0, Lexer.isSpace(c) {
                    // A word followed by a single `=` starts `name=value`.
                    var j = i
                    while j < s.count, Lexer.isSpace(s[j]) { j += 1 }
                    var k = j
                    while k < s.count, SpiceNumber.isLetter(s[k]) || SpiceNumber.isDigit(s[k]) { k += 1 }
                    if k > j, SpiceNumber.isLetter(s[j]) {
                        while k < s.count, Lexer.isSpace(s[k]) { k += 1 }
                        if k < s.count, s[k] == "=", !(k + 1 < s.count && s[k + 1] == "=") { return i }
                    }
                }
            }
            i += 1
        }
        return s.count
    }

    /// Throws for instance parameters (`tc1=`, `m=`, ...) after a behavioural expression, which
    /// Kelvin does not implement.
    static func rejectParameters(_ card: Card, from offset: Int, what: String) throws {
        guard offset < card.line.scalars.count,
            let key = card.tokens.first(where: { $0.range.lowerBound >= offset && $0.kind == .word })
        else { return }
        throw NetlistError.unsupported(key.location, token: key.lower, feature: "\(what) parameter '\(key.lower)'")
    }

    /// `Bname n+ n- V=expr` or `I=expr`.
    func behavioralSource(_ card: Card, frame f: Int) throws -> ([String], ElementKind) {
        let t = card.tokens
        guard t.count >= 3, t[1].kind == .word, t[2].kind == .word else {
            throw NetlistError.missingField(card.location, token: card.keyword, expected: "2 nodes")
        }
        guard t.count >= 5, t[3].kind == .word, ["v", "i"].contains(t[3].lower), t[4].kind == .equals else {
            let at = t.count > 3 ? t[3] : t[0]
            if t.count > 3 {
                throw NetlistError.syntax(at.location, token: at.text, message: "expected 'V=expr' or 'I=expr'")
            }
            throw NetlistError.missingField(at.location, token: at.lower, expected: "'V=expr' or 'I=expr'")
        }
        let nodes = [node(t[1].lower, frame: f), node(t[2].lower, frame: f)]
        let start = t[4].range.upperBound
        let end = Self.expressionEnd(in: card.line, from: start)
        try Self.rejectParameters(card, from: end, what: "B-source")
        var binder = binder(frame: f)
        let root = try behavioralExpression(card, start..<end, binder: &binder)
        let expression = binder.expression(root, location: card.line.location(at: start))
        return (nodes, t[3].lower == "v" ? .behavioralVoltage(expression) : .behavioralCurrent(expression))
    }

    /// E or G with `value=expr` (also `vol=` on E, `cur=` on G) or `table {expr} = (x, y) ...`;
    /// nil when the card is the linear form.
    func behavioralControlled(_ card: Card, frame f: Int) throws -> ([String], ElementKind)? {
        let t = card.tokens
        guard t.count >= 4, t[3].kind == .word else { return nil }
        let letter = card.keyword.first ?? "e"
        let keyword = t[3].lower
        let isValue = ["value", "vol", "cur"].contains(keyword) && t.count >= 5 && t[4].kind == .equals
        guard isValue || keyword == "table" else { return nil }
        guard t[1].kind == .word, t[2].kind == .word else {
            throw NetlistError.syntax(t[1].location, token: t[1].text, message: "expected a node name")
        }
        let nodes = [node(t[1].lower, frame: f), node(t[2].lower, frame: f)]
        if keyword == "vol" && letter != "e" || keyword == "cur" && letter != "g" {
            throw NetlistError.syntax(
                t[3].location, token: keyword,
                message: "'\(keyword)=' belongs to \(keyword == "vol" ? "an E" : "a G") source; write 'value='")
        }
        var binder = binder(frame: f)
        let root: BehavioralNode
        let start: Int
        if isValue {
            start = t[4].range.upperBound
            let end = Self.expressionEnd(in: card.line, from: start)
            try Self.rejectParameters(card, from: end, what: "\(letter == "e" ? "E" : "G")-source")
            root = try behavioralExpression(card, start..<end, binder: &binder)
        } else {
            (root, start) = try table(card, frame: f, binder: &binder)
        }
        let expression = binder.expression(root, location: card.line.location(at: start))
        return (nodes, letter == "e" ? .behavioralVoltage(expression) : .behavioralCurrent(expression))
    }

    /// `table {expr} = (x1, y1) (x2, y2) ...`: piecewise linear in the expression, flat outside
    /// the points, corners rounded as ngspice-39 rounds them (`BehavioralNode.table`); returns the
    /// bound table and where its expression starts.
    func table(_ card: Card, frame f: Int, binder: inout BehavioralBinder) throws -> (BehavioralNode, Int) {
        let t = card.tokens
        // The expression runs from after `table` to the `=` that starts the points.
        guard let equals = t.indices.first(where: { $0 > 3 && t[$0].kind == .equals }) else {
            throw NetlistError.missingField(t[3].location, token: "table", expected: "'{expr} = (x, y) ...'")
        }
        let start = t[3].range.upperBound
        let argument = try behavioralExpression(card, start..<t[equals].range.lowerBound, binder: &binder)
        let values = try t[(equals + 1)...].filter(\.isValue).map { try value($0, in: card, frame: f) }
        if let bad = t[(equals + 1)...].first(where: { $0.kind == .equals }) {
            throw NetlistError.syntax(bad.location, token: "=", message: "unexpected '=' in the table points")
        }
        guard values.count >= 2, values.count % 2 == 0 else {
            throw NetlistError.missingField(
                t[equals].location, token: "table",
                expected: "pairs of points (x, y) after '=' (\(values.count) value\(values.count == 1 ? "" : "s") given)")
        }
        let xs = stride(from: 0, to: values.count, by: 2).map { values[$0] }
        let ys = stride(from: 1, to: values.count, by: 2).map { values[$0] }
        try BehavioralBinder.checkPoints(xs, location: t[equals].location, token: "table")
        return (BehavioralNode.table(argument, xs: xs, ys: ys), start)
    }

    /// `E|G name n+ n- POLY(n) nc1+ nc1- ... p0 p1 ...` or `F|H name n+ n- POLY(n) v1 ... p0 p1 ...`;
    /// nil when the card has no `POLY`.
    func polynomialSource(_ card: Card, fields: ElementFields, frame f: Int) throws -> ([String], ElementKind)? {
        let p = fields.positional
        guard p.count > 2, p[2].lower == "poly" else {
            if let poly = p.first(where: { $0.lower == "poly" }) {
                throw NetlistError.syntax(poly.location, token: poly.lower, message: "POLY must follow the two nodes")
            }
            return nil
        }
        let letter = card.keyword.first ?? "e"
        if let key = fields.keywords.first {
            throw NetlistError.unsupported(
                key.key.location, token: key.key.lower, feature: "POLY parameter '\(key.key.lower)'")
        }
        for k in 0..<2 where p[k].kind != .word {
            throw NetlistError.syntax(p[k].location, token: p[k].text, message: "expected a node name")
        }
        guard p.count > 3, let dimension = SpiceNumber.parse(p[3].text), dimension >= 1, dimension <= 20,
            dimension == dimension.rounded()
        else {
            let at = p.count > 3 ? p[3] : p[2]
            throw NetlistError.syntax(at.location, token: at.text, message: "expected POLY(n) with n from 1 to 20")
        }
        let n = Int(dimension)
        let voltageControlled = letter == "e" || letter == "g"
        let controlCount = voltageControlled ? 2 * n : n
        guard p.count >= 4 + controlCount + 1 else {
            throw NetlistError.missingField(
                card.location, token: card.keyword,
                expected: "\(voltageControlled ? "\(n) controlling node pair(s)" : "\(n) controlling source(s)") "
                    + "and at least one coefficient")
        }
        var binder = binder(frame: f)
        var inputs: [BehavioralNode] = []
        var names: [[String]] = []
        for k in 0..<n {
            if voltageControlled {
                let (a, b) = (p[4 + 2 * k], p[5 + 2 * k])
                for token in [a, b] where token.kind != .word {
                    throw NetlistError.syntax(token.location, token: token.text, message: "expected a node name")
                }
                inputs.append(BehavioralBinder.fold(.binary("-", binder.voltage(a.lower), binder.voltage(b.lower))))
                names.append([node(a.lower, frame: f), node(b.lower, frame: f)])
            } else {
                let source = p[4 + k]
                guard source.kind == .word else {
                    throw NetlistError.syntax(source.location, token: source.text, message: "expected a source name")
                }
                let flattened = elementName(source.lower, frame: f)
                inputs.append(binder.input(.current(flattened)))
                names.append([flattened])
            }
        }
        let coefficients = try p[(4 + controlCount)...].map { try value($0, in: card, frame: f) }
        let root = Self.polynomial(inputs, coefficients: coefficients)
        let expression = binder.expression(
            root, location: p[2].location,
            polynomial: BehavioralExpression.Polynomial(controls: names, coefficients: coefficients))
        let nodes = [node(p[0].lower, frame: f), node(p[1].lower, frame: f)]
        let voltage = letter == "e" || letter == "h"
        return (nodes, voltage ? .behavioralVoltage(expression) : .behavioralCurrent(expression))
    }

    /// SPICE2's polynomial `p0 + Σ pᵢ·xᵢ + Σ pᵢⱼ·xᵢ·xⱼ + ...`: coefficient k multiplies the k-th
    /// term in order of degree, and within a degree the index tuples i₁ ≤ i₂ ≤ … in lexicographic
    /// order (for x, y: 1, x, y, x², x·y, y², x³, x²·y, x·y², y³, ...). As ngspice-39, a single
    /// coefficient is the constant p0 (SPICE2 read it as p1).
    static func polynomial(_ inputs: [BehavioralNode], coefficients: [Double]) -> BehavioralNode {
        var terms: [BehavioralNode] = []
        var tuples: [[Int]] = [[]]
        var k = 0
        while k < coefficients.count {
            for tuple in tuples where k < coefficients.count {
                let c = coefficients[k]
                k += 1
                guard c != 0 else { continue }
                var term = BehavioralNode.constant(c)
                for i in tuple { term = .binary("*", term, inputs[i]) }
                terms.append(term)
            }
            // The next degree: extend every tuple by an index not below its last.
            tuples = tuples.flatMap { tuple in ((tuple.last ?? 0)..<inputs.count).map { tuple + [$0] } }
        }
        guard var sum = terms.first else { return .constant(0) }
        for term in terms.dropFirst() { sum = .binary("+", sum, term) }
        return BehavioralBinder.fold(sum)
    }
}
