/// A parsed parameter expression (`{2*rval}`, `'a > 1 ? b : c'`, unbraced `.param` values).
///
/// Grammar, loosest binding first: `?:`, `||`, `&&`, `== !=`, `< <= > >=`, `+ -`, `* / %`,
/// unary `- + !`, `^ **` (right associative; left associative in a behavioural source, as
/// ngspice-39's B-source grammar), then numbers, names, calls and parentheses.
/// Booleans are 1 and 0; any non-zero value is true.
indirect enum Expression: Sendable {
    case number(Double)
    case variable(String, SourceLocation)
    case unary(String, Expression)
    case binary(String, Expression, Expression)
    case conditional(Expression, Expression, Expression)
    case call(String, [Expression], SourceLocation)
    /// `v(a)`, `v(a,b)` or `i(vname)` in a behavioural source: `kind` is `v` or `i`, the names are
    /// lower case as written (not yet flattened).
    case probe(kind: String, names: [String], SourceLocation)
}

extension Expression {
    /// Parses the scalars `range` of `line` (without surrounding `{}` or quotes). With
    /// `behavioral`, `v(...)` and `i(...)` are probes of node voltages and branch currents whose
    /// arguments are names as written (`v(n+1)` is the node `n+1`), and `^` is left associative.
    static func parse(_ line: LogicalLine, _ range: Range<Int>, behavioral: Bool = false) throws -> Expression {
        var parser = try ExpressionParser(line: line, range: range, behavioral: behavioral)
        return try parser.parseWhole()
    }
}

/// Recursive-descent parser for `Expression`.
struct ExpressionParser {
    struct Piece {
        enum Kind {
            case number(Double)
            case name(String)
            case op(String)
            /// `v(...)` / `i(...)` of a behavioural expression: the probe letter and the names.
            case probe(String, [String])
        }
        var kind: Kind
        var text: String
        var offset: Int
    }

    let line: LogicalLine
    let range: Range<Int>
    /// A behavioural-source expression (probes `v()`/`i()`, left-associative `^`).
    let behavioral: Bool
    var pieces: [Piece] = []
    var position = 0
    /// Current nesting of parentheses, unary operators and calls, bounded to keep the stack safe.
    var depth = 0
    static let maximumDepth = 200

    init(line: LogicalLine, range: Range<Int>, behavioral: Bool = false) throws {
        self.line = line
        self.range = range
        self.behavioral = behavioral
        pieces = try lex()
        // Evaluation recurses once per operator; keep that far from the stack limit.
        if pieces.count > 4000 {
            throw NetlistError.invalidExpression(
                line.location(at: range.lowerBound), token: String(line.text(range).prefix(20)) + "...",
                message: "expression too long (\(pieces.count) tokens, at most 4000)")
        }
    }

    /// Splits the expression text into numbers, names and operators.
    func lex() throws -> [Piece] {
        let s = line.scalars
        var result: [Piece] = []
        var i = range.lowerBound
        let end = min(range.upperBound, s.count)
        let twoCharacter: Set<String> = ["**", "==", "!=", "<=", ">=", "&&", "||"]
        let window = Array(s[..<end])
        while i < end {
            let c = s[i]
            if Lexer.isSpace(c) {
                i += 1
                continue
            }
            if SpiceNumber.isDigit(c) || (c == "." && i + 1 < end && SpiceNumber.isDigit(s[i + 1])) {
                guard let (value, next) = SpiceNumber.scan(window, from: i, allowSign: false) else {
                    throw error(at: i, token: String(c), "malformed number")
                }
                result.append(Piece(kind: .number(value), text: line.text(i..<next), offset: i))
                i = next
                continue
            }
            if SpiceNumber.isLetter(c) {
                var j = i + 1
                while j < end, SpiceNumber.isLetter(s[j]) || SpiceNumber.isDigit(s[j]) { j += 1 }
                let text = line.text(i..<j)
                if behavioral, let (names, next) = try probe(text.lowercased(), from: j, end: end) {
                    result.append(Piece(kind: .probe(text.lowercased(), names), text: line.text(i..<next), offset: i))
                    i = next
                    continue
                }
                result.append(Piece(kind: .name(text.lowercased()), text: text, offset: i))
                i = j
                continue
            }
            if i + 1 < end {
                let pair = line.text(i..<(i + 2))
                if twoCharacter.contains(pair) {
                    result.append(Piece(kind: .op(pair), text: pair, offset: i))
                    i += 2
                    continue
                }
            }
            let single = String(c)
            guard "+-*/%^()?:,<>!".unicodeScalars.contains(c) else {
                throw error(at: i, token: single, "unexpected character")
            }
            result.append(Piece(kind: .op(single), text: single, offset: i))
            i += 1
        }
        return result
    }

    /// The names of a probe `v(a)`, `v(a, b)` or `i(name)` whose letter `name` ends at `start`, and
    /// the offset past its `)`; nil when `name` is not `v`/`i` or no `(` follows. A name is any
    /// text up to `,` `)` or a space, as a node name on a card.
    func probe(_ name: String, from start: Int, end: Int) throws -> ([String], Int)? {
        guard name == "v" || name == "i" else { return nil }
        let s = line.scalars
        var i = start
        while i < end, Lexer.isSpace(s[i]) { i += 1 }
        guard i < end, s[i] == "(" else { return nil }
        let open = i
        i += 1
        var names: [String] = []
        while true {
            while i < end, Lexer.isSpace(s[i]) { i += 1 }
            var j = i
            while j < end, !Lexer.isSpace(s[j]), s[j] != ",", s[j] != ")", s[j] != "(" { j += 1 }
            guard j > i else {
                let offset = min(i, end - 1)
                throw error(at: offset, token: line.text(open..<min(end, j + 1)), "expected a name in '\(name)(...)'")
            }
            names.append(line.text(i..<j).lowercased())
            i = j
            while i < end, Lexer.isSpace(s[i]) { i += 1 }
            guard i < end else {
                throw error(at: open, token: line.text(open..<end), "missing ')' after '\(name)('")
            }
            if s[i] == ")" { break }
            guard s[i] == "," else {
                throw error(at: i, token: String(s[i]), "expected ',' or ')' in '\(name)(...)'")
            }
            i += 1
        }
        let expected = name == "v" ? 1...2 : 1...1
        guard expected.contains(names.count) else {
            throw error(
                at: start - 1, token: line.text((start - 1)..<(i + 1)),
                name == "v" ? "v() takes one node or two" : "i() takes one element name")
        }
        return (names, i + 1)
    }

    func error(at offset: Int, token: String, _ message: String) -> NetlistError {
        .invalidExpression(line.location(at: offset), token: token, message: message)
    }

    var wholeText: String { line.text(range).trimmingSpaces }

    mutating func parseWhole() throws -> Expression {
        guard !pieces.isEmpty else {
            throw error(at: range.lowerBound, token: wholeText, "empty expression")
        }
        let e = try parseConditional()
        if position < pieces.count {
            let p = pieces[position]
            throw error(at: p.offset, token: p.text, "unexpected '\(p.text)'")
        }
        return e
    }

    func peekOp() -> String? {
        guard position < pieces.count, case .op(let o) = pieces[position].kind else { return nil }
        return o
    }

    mutating func expect(_ op: String) throws {
        guard peekOp() == op else {
            if position < pieces.count {
                let p = pieces[position]
                throw error(at: p.offset, token: p.text, "expected '\(op)'")
            }
            throw error(at: range.upperBound, token: wholeText, "expected '\(op)' before end of expression")
        }
        position += 1
    }

    mutating func parseConditional() throws -> Expression {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maximumDepth else {
            let offset = position < pieces.count ? pieces[position].offset : range.upperBound
            throw error(at: offset, token: wholeText, "expression nested too deeply")
        }
        let condition = try parseBinary(level: 0)
        guard peekOp() == "?" else { return condition }
        position += 1
        let yes = try parseConditional()
        try expect(":")
        let no = try parseConditional()
        return .conditional(condition, yes, no)
    }

    static let levels: [[String]] = [
        ["||"], ["&&"], ["==", "!="], ["<", "<=", ">", ">="], ["+", "-"], ["*", "/", "%"],
    ]

    mutating func parseBinary(level: Int) throws -> Expression {
        if level == Self.levels.count { return try parseUnary() }
        var left = try parseBinary(level: level + 1)
        while let op = peekOp(), Self.levels[level].contains(op) {
            position += 1
            let right = try parseBinary(level: level + 1)
            left = .binary(op, left, right)
        }
        return left
    }

    mutating func parseUnary() throws -> Expression {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maximumDepth else {
            let offset = position < pieces.count ? pieces[position].offset : range.upperBound
            throw error(at: offset, token: wholeText, "expression nested too deeply")
        }
        if let op = peekOp(), op == "-" || op == "+" || op == "!" {
            position += 1
            return .unary(op, try parseUnary())
        }
        return try parsePower()
    }

    mutating func parsePower() throws -> Expression {
        var base = try parsePrimary()
        guard behavioral else {
            if let op = peekOp(), op == "^" || op == "**" {
                position += 1
                return .binary("^", base, try parseUnary())
            }
            return base
        }
        // ngspice-39's B-source grammar: `2^3^2` is `(2^3)^2`; the exponent may carry a sign.
        while let op = peekOp(), op == "^" || op == "**" {
            position += 1
            if let sign = peekOp(), sign == "-" || sign == "+" || sign == "!" {
                position += 1
                base = .binary("^", base, .unary(sign, try parsePrimary()))
            } else {
                base = .binary("^", base, try parsePrimary())
            }
        }
        return base
    }

    mutating func parsePrimary() throws -> Expression {
        guard position < pieces.count else {
            throw error(at: range.upperBound, token: wholeText, "expression ends early")
        }
        let piece = pieces[position]
        position += 1
        switch piece.kind {
        case .number(let v):
            return .number(v)
        case .name(let name):
            let location = line.location(at: piece.offset)
            guard peekOp() == "(" else { return .variable(name, location) }
            position += 1
            var arguments: [Expression] = []
            if peekOp() == ")" {
                position += 1
                return .call(name, arguments, location)
            }
            while true {
                arguments.append(try parseConditional())
                if peekOp() == "," {
                    position += 1
                    continue
                }
                try expect(")")
                return .call(name, arguments, location)
            }
        case .probe(let kind, let names):
            return .probe(kind: kind, names: names, line.location(at: piece.offset))
        case .op("("):
            let inner = try parseConditional()
            try expect(")")
            return inner
        case .op:
            throw error(at: piece.offset, token: piece.text, "unexpected '\(piece.text)'")
        }
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        let scalars = Array(unicodeScalars)
        guard let first = scalars.firstIndex(where: { !Lexer.isSpace($0) }),
            let last = scalars.lastIndex(where: { !Lexer.isSpace($0) })
        else { return "" }
        return String(scalars: scalars[first...last])
    }

    /// The string of `scalars`, UTF-8 encoded straight into its storage. (`String.UnicodeScalarView`
    /// built from a slice runs the standard library's unspecialised generic code, whose
    /// associated-type look-ups cost ~300,000 instructions on first use: a tenth of a small deck.)
    init(scalars: ArraySlice<Unicode.Scalar>) {
        var count = 0
        for scalar in scalars { count += UTF8.width(scalar) }
        self.init(unsafeUninitializedCapacity: count) { buffer in
            var n = 0
            for scalar in scalars {
                UTF8.encode(scalar) { byte in
                    buffer[n] = byte
                    n += 1
                }
            }
            return n
        }
    }
}
