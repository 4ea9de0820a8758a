/// One card after comment removal and `+` continuation joining, with a map back to physical positions.
struct LogicalLine: Sendable {
    /// A run of the logical line copied from one physical line.
    struct Segment: Sendable {
        var offset: Int
        var line: Int
        var column: Int
    }

    var file: String
    var scalars: [Unicode.Scalar] = []
    var segments: [Segment] = []

    /// The source location of the scalar at `offset` (offsets past the end map after the last scalar).
    func location(at offset: Int) -> SourceLocation {
        var chosen = segments.first ?? Segment(offset: 0, line: 1, column: 1)
        for segment in segments where segment.offset <= offset { chosen = segment }
        return SourceLocation(file: file, line: chosen.line, column: chosen.column + offset - chosen.offset)
    }

    /// The text of `range`, as written; with `lowercased`, ASCII letters lower-cased.
    func text(_ range: Range<Int>, lowercased: Bool = false) -> String {
        let lower = max(0, range.lowerBound), upper = min(scalars.count, range.upperBound)
        guard lower < upper else { return "" }
        var count = 0
        for k in lower..<upper { count += UTF8.width(scalars[k]) }
        // UTF-8 encoded straight into the string's storage at its exact size (a string of up to 15
        // bytes is then stored inline, without an allocation).
        return String(unsafeUninitializedCapacity: count) { buffer in
            var n = 0
            for k in lower..<upper {
                let scalar = scalars[k]
                if scalar.isASCII {
                    let byte = UInt8(truncatingIfNeeded: scalar.value)
                    buffer[n] = lowercased && byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
                    n += 1
                } else {
                    UTF8.encode(scalar) { byte in
                        buffer[n] = byte
                        n += 1
                    }
                }
            }
            return n
        }
    }

    /// Whether `range` holds an upper-case ASCII letter.
    func hasUppercaseASCII(_ range: Range<Int>) -> Bool {
        for k in range where scalars[k] >= "A" && scalars[k] <= "Z" { return true }
        return false
    }

    /// Whether `range` holds a scalar outside ASCII.
    func hasNonASCII(_ range: Range<Int>) -> Bool {
        for k in range where !scalars[k].isASCII { return true }
        return false
    }

    /// The text of `range` lower-cased as `String.lowercased()` would; ASCII without the
    /// Unicode tables, and without a second string when there is nothing to lower.
    func lowercasedText(_ range: Range<Int>, original: String) -> String {
        if hasNonASCII(range) { return original.lowercased() }
        return hasUppercaseASCII(range) ? text(range, lowercased: true) : original
    }

    /// The first whitespace-delimited word, lower case (used before tokenizing, e.g. to skip `.control`).
    var firstWord: String {
        var end = 0
        while end < scalars.count, !Lexer.isSpace(scalars[end]) { end += 1 }
        return hasNonASCII(0..<end) ? text(0..<end).lowercased() : text(0..<end, lowercased: true)
    }
}

/// A lexical token of a card.
struct Token: Sendable {
    enum Kind: Sendable, Equatable {
        /// A name, number or keyword (`r1`, `1k`, `dc`, `params:`); a `"..."` string has its quotes removed.
        case word
        /// A `{...}` or `'...'` expression; `text` keeps the delimiters.
        case expression
        case equals
        case openParen
        case closeParen
    }

    var kind: Kind
    /// The token as written.
    var text: String
    /// `text` lower-cased (names and keywords are case-insensitive).
    var lower: String
    var location: SourceLocation
    /// The token's scalar range in its logical line.
    var range: Range<Int>

    /// True for a word or an expression (something that can be a value or a name).
    var isValue: Bool { kind == .word || kind == .expression }
}

/// A tokenized card: element line or dot command.
struct Card: Sendable {
    var tokens: [Token]
    var line: LogicalLine

    /// Where the card starts.
    var location: SourceLocation { tokens[0].location }
    /// The lower-case first token (`r1`, `.model`, ...).
    var keyword: String { tokens[0].lower }
}

/// Splits physical lines into logical cards and cards into tokens.
enum Lexer {
    static func isSpace(_ s: Unicode.Scalar) -> Bool { s == " " || s == "\t" || s == "\u{0C}" }

    /// Joins continuation lines and strips comments; `firstLine` is the 0-based physical line to start at.
    static func logicalLines(of file: SourceFile, firstLine: Int) throws -> [LogicalLine] {
        var result: [LogicalLine] = []
        var index = firstLine
        while index < file.lines.count {
            let physical = file.lines[index]
            let lineNumber = index + 1
            index += 1
            let content = stripInlineComment(physical)
            guard let first = content.firstIndex(where: { !isSpace($0) }) else { continue }
            if content[first] == "*" { continue }
            if content[first] == "+" {
                guard !result.isEmpty else {
                    throw NetlistError.syntax(
                        SourceLocation(file: file.name, line: lineNumber, column: first + 1), token: "+",
                        message: "continuation line without a preceding card")
                }
                var last = result[result.count - 1]
                last.scalars.append(" ")
                last.segments.append(.init(offset: last.scalars.count, line: lineNumber, column: first + 2))
                last.scalars.append(contentsOf: content[(first + 1)...])
                result[result.count - 1] = last
                continue
            }
            var line = LogicalLine(file: file.name)
            line.segments = [.init(offset: 0, line: lineNumber, column: first + 1)]
            line.scalars = Array(content[first...])
            result.append(line)
        }
        return result
    }

    /// Removes a `;` comment, or a `$` comment that starts the line or follows whitespace.
    static func stripInlineComment(_ line: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var depth = 0
        var inQuote = false
        for (i, s) in line.enumerated() {
            switch s {
            case "'": inQuote.toggle()
            case "{": depth += 1
            case "}": depth = max(0, depth - 1)
            case ";":
                if depth == 0 && !inQuote { return Array(line[..<i]) }
            case "$":
                if depth == 0 && !inQuote && (i == 0 || isSpace(line[i - 1])) { return Array(line[..<i]) }
            default: break
            }
        }
        return line
    }

    /// Splits a logical line into tokens; commas separate like whitespace.
    static func tokenize(_ line: LogicalLine) throws -> [Token] {
        let s = line.scalars
        var tokens: [Token] = []
        tokens.reserveCapacity(8)
        var i = 0
        func make(_ kind: Token.Kind, _ range: Range<Int>, text: String? = nil) -> Token {
            let t = text ?? line.text(range)
            let lower = text == nil ? line.lowercasedText(range, original: t) : t.lowercased()
            return Token(kind: kind, text: t, lower: lower, location: line.location(at: range.lowerBound), range: range)
        }
        while i < s.count {
            let c = s[i]
            if isSpace(c) || c == "," {
                i += 1
                continue
            }
            switch c {
            case "(":
                tokens.append(make(.openParen, i..<(i + 1)))
                i += 1
            case ")":
                tokens.append(make(.closeParen, i..<(i + 1)))
                i += 1
            case "=":
                tokens.append(make(.equals, i..<(i + 1)))
                i += 1
            case "{":
                let end = try closingBrace(in: line, from: i)
                tokens.append(make(.expression, i..<end))
                i = end
            case "'", "\"":
                var j = i + 1
                while j < s.count, s[j] != c { j += 1 }
                guard j < s.count else {
                    throw NetlistError.unterminated(line.location(at: i), token: String(c), expected: "closing \(c)")
                }
                if c == "'" {
                    tokens.append(make(.expression, i..<(j + 1)))
                } else {
                    tokens.append(make(.word, i..<(j + 1), text: line.text((i + 1)..<j)))
                }
                i = j + 1
            default:
                var j = i
                while j < s.count {
                    let d = s[j]
                    if isSpace(d) || d == "," || d == "(" || d == ")" || d == "=" || d == "{" || d == "'" { break }
                    j += 1
                }
                tokens.append(make(.word, i..<j))
                i = j
            }
        }
        return tokens
    }

    /// The offset just past the `}` matching the `{` at `start`.
    static func closingBrace(in line: LogicalLine, from start: Int) throws -> Int {
        var depth = 0
        var j = start
        while j < line.scalars.count {
            if line.scalars[j] == "{" { depth += 1 }
            if line.scalars[j] == "}" {
                depth -= 1
                if depth == 0 { return j + 1 }
            }
            j += 1
        }
        throw NetlistError.unterminated(line.location(at: start), token: "{", expected: "closing }")
    }
}
