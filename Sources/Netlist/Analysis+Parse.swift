extension Flattener {
    /// Handles a dot command other than the definitions (`.param`, `.model`, `.subckt`) and file
    /// commands (`.include`, `.lib`, `.control`, `.end`), which earlier stages consume.
    mutating func dotCard(_ card: Card, frame f: Int) throws {
        let keyword = card.keyword
        switch keyword {
        case ".op", ".dc", ".tran", ".ac", ".tf", ".sens", ".noise", ".options", ".option", ".opt", ".opts", ".temp":
            // ngspice-39 hoists such a card out of the subcircuit (and then often fails on it);
            // ignoring it would change the run: refuse it.
            guard f == 0 else { throw Self.insideSubcircuit(card) }
            switch keyword {
            case ".op": deck.analyses.append(Analysis(kind: .operatingPoint, location: card.location))
            case ".dc": try dcSweep(card)
            case ".tran": try transient(card)
            case ".ac": try ac(card)
            case ".tf": try transferFunction(card)
            case ".sens": try sensitivity(card)
            case ".noise": try noise(card)
            case ".temp":
                guard card.tokens.count >= 2 else {
                    throw NetlistError.missingField(card.location, token: keyword, expected: "a temperature")
                }
                // SPICE2 ran every analysis at each temperature of a list; ngspice-39 warns and
                // runs at 27 °C instead. Neither is what the list says: refuse it.
                guard card.tokens.count == 2 else {
                    throw NetlistError.unsupported(
                        card.tokens[2].location, token: card.tokens[2].text,
                        feature: "`.temp` with more than one temperature (ngspice-39 ignores the list and runs at 27 °C); "
                            + "sweep with `.dc TEMP` or `foreach` + `option temp=` in a .control block")
                }
                deck.options.values["temp"] = try value(card.tokens[1], in: card, frame: f)
            default: try options(card)
            }
        case ".ic", ".nodeset":
            let voltages = try nodeVoltages(card, frame: f)
            for (node, v) in voltages {
                if keyword == ".ic" { deck.initialConditions[node] = v } else { deck.nodeSets[node] = v }
            }
        case ".meas", ".measure":
            guard f == 0 else { throw Self.insideSubcircuit(card) }
            let text = card.line.text(card.tokens[0].range.upperBound..<card.line.scalars.count, lowercased: true)
            let start = card.tokens.count > 1 ? card.tokens[1].location : card.location
            deck.measurements.append(ControlLine(text: text.trimmingSpaces, location: start))
        case ".save":
            let words = Self.vectorWords(card.line.text(card.tokens[0].range.upperBound..<card.line.scalars.count,
                                                         lowercased: true))
            for word in words where word.hasPrefix("@") {
                deck.warnings.append(
                    "\(card.location): warning: .save of a device quantity is not supported by Kelvin, ignored ('\(word)')")
            }
            deck.saves.append(contentsOf: words.filter { !$0.hasPrefix("@") })
        case ".print":
            var words = Self.vectorWords(card.line.text(card.tokens[0].range.upperBound..<card.line.scalars.count,
                                                        lowercased: true))
            guard let first = words.first, ["tran", "dc", "ac", "op"].contains(first) else {
                throw NetlistError.missingField(card.location, token: keyword, expected: "an analysis type (tran, dc, ac, op)")
            }
            words.removeFirst()
            deck.prints.append(PrintCard(analysis: first, vectors: words, location: card.location))
        case ".step":
            throw NetlistError.unsupported(
                card.location, token: keyword,
                feature: "`.step` is LTspice's, not ngspice's; sweep a parameter in a .control block with "
                    + "`foreach` and `alterparam` + `reset` (or `alter`)")
        case ".plot", ".probe", ".width", ".option_list":
            // Output formatting only: the circuit and its analyses are unchanged.
            note(card, "\(keyword) ignored")
        case ".four", ".fourier", ".disto", ".pz", ".sp", ".csparam":
            throw NetlistError.unsupported(
                card.location, token: keyword,
                feature: "`\(keyword)` is not implemented by Kelvin (it runs .op, .dc, .tran, .ac, .tf, .sens, .noise)")
        default:
            throw NetlistError.unknownCard(
                card.location, token: keyword, suggestion: Self.nearestCard(to: keyword))
        }
    }

    /// The error for an analysis, option or measurement card inside a `.subckt`.
    static func insideSubcircuit(_ card: Card) -> NetlistError {
        .unsupported(
            card.location, token: card.keyword,
            feature: "`\(card.keyword)` inside a .subckt (write analysis, option and measurement cards at the top level)")
    }

    /// Splits `v(out) i(v1), vdb(x)` into vector names at whitespace and commas outside parentheses.
    static func vectorWords(_ text: String) -> [String] {
        var words: [String] = []
        var current = ""
        var depth = 0
        for c in text {
            if c == "(" { depth += 1 }
            if c == ")" { depth = max(0, depth - 1) }
            if depth == 0, c == " " || c == "\t" || c == "," {
                if !current.isEmpty { words.append(current) }
                current = ""
            } else if c != " " && c != "\t" {
                current.append(c)
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    /// Every dot card Kelvin reads or knowingly ignores, analyses first (they win ties: `.opp`
    /// suggests `.op`, not `.opt`).
    static let knownCards = [
        ".op", ".dc", ".tran", ".ac", ".param", ".model", ".subckt", ".ends", ".include", ".lib", ".end",
        ".options", ".option", ".opt", ".temp", ".ic", ".nodeset", ".func", ".global", ".title", ".control",
        ".endc", ".endl", ".if", ".elseif", ".else", ".endif", ".save", ".print", ".plot", ".probe", ".width",
        ".meas", ".measure", ".four", ".fourier", ".sens", ".noise", ".tf", ".disto", ".pz", ".sp",
    ]

    /// The known card nearest to `keyword` by edit distance, if at most 2 edits away.
    static func nearestCard(to keyword: String) -> String? {
        var best: (card: String, distance: Int)?
        for card in knownCards {
            let d = editDistance(keyword, card)
            if d <= 2, d < (best?.distance ?? .max) { best = (card, d) }
        }
        return best?.card
    }

    /// Levenshtein distance (insertions, deletions and substitutions of one character).
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
        var previous = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...max(b.count, 1) where !b.isEmpty {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return a.isEmpty ? b.count : previous[b.count]
    }

    mutating func note(_ card: Card, _ text: String) {
        deck.notes.append("\(card.location): note: \(text)")
    }

    /// The value fields after the keyword, evaluated; `uic`-style words are returned separately.
    func fields(_ card: Card, from start: Int = 1) -> [Token] {
        card.tokens.dropFirst(start).filter { $0.isValue }
    }

    /// `.dc SRC start stop step [SRC2 start stop step]`.
    mutating func dcSweep(_ card: Card) throws {
        let t = fields(card)
        guard t.count >= 4 else {
            throw NetlistError.missingField(card.location, token: card.keyword, expected: "SRC START STOP STEP")
        }
        guard t.count == 4 || t.count == 8 else {
            let bad = t.count > 8 ? t[8] : t[min(4, t.count - 1)]
            throw NetlistError.syntax(
                bad.location, token: bad.text, message: t.count > 8 ? "unexpected field" : "second sweep is incomplete")
        }
        var sweeps: [SweepSpec] = []
        for base in stride(from: 0, to: t.count, by: 4) {
            guard t[base].kind == .word, SpiceNumber.parse(t[base].text) == nil else {
                throw NetlistError.syntax(t[base].location, token: t[base].text, message: "expected a source name")
            }
            sweepSources.append(t[base])
            sweeps.append(
                SweepSpec(
                    source: t[base].lower, start: try value(t[base + 1], in: card, frame: 0),
                    stop: try value(t[base + 2], in: card, frame: 0), step: try value(t[base + 3], in: card, frame: 0)))
        }
        deck.analyses.append(Analysis(kind: .dcSweep(sweeps), location: card.location))
    }

    /// `.tran TSTEP TSTOP [TSTART [TMAX]] [UIC]`.
    mutating func transient(_ card: Card) throws {
        var t = fields(card)
        var uic = false
        if let last = t.last, last.lower == "uic" {
            uic = true
            t.removeLast()
        }
        guard t.count >= 2 else {
            throw NetlistError.missingField(card.location, token: card.keyword, expected: "TSTEP TSTOP")
        }
        if t.count > 4 { throw NetlistError.syntax(t[4].location, token: t[4].text, message: "unexpected field") }
        let values = try t.map { try value($0, in: card, frame: 0) }
        deck.analyses.append(
            Analysis(
                kind: .transient(
                    step: values[0], stop: values[1], start: values.count > 2 ? values[2] : 0,
                    maxStep: values.count > 3 ? values[3] : nil, useInitialConditions: uic),
                location: card.location))
    }

    /// `.ac dec|oct|lin N fstart fstop`.
    mutating func ac(_ card: Card) throws {
        let t = fields(card)
        guard t.count >= 4 else {
            throw NetlistError.missingField(card.location, token: card.keyword, expected: "DEC|OCT|LIN N FSTART FSTOP")
        }
        guard let variation = ACVariation(rawValue: t[0].lower) else {
            throw NetlistError.syntax(t[0].location, token: t[0].text, message: "expected dec, oct or lin")
        }
        if t.count > 4 { throw NetlistError.syntax(t[4].location, token: t[4].text, message: "unexpected field") }
        let n = try value(t[1], in: card, frame: 0)
        guard n >= 1, n == n.rounded(), n < Double(Int32.max) else {
            throw NetlistError.syntax(
                t[1].location, token: t[1].text, message: "point count must be a positive integer")
        }
        deck.analyses.append(
            Analysis(
                kind: .ac(
                    variation: variation, points: Int(n), start: try value(t[2], in: card, frame: 0),
                    stop: try value(t[3], in: card, frame: 0)),
                location: card.location))
    }

    /// `.options key=value flag ...`: numbers go to `values`, words to `text`, flags store 1. An
    /// option Kelvin neither reads nor may ignore (`Options.warning(for:at:)`) is a located warning.
    mutating func options(_ card: Card) throws {
        let tokens = card.tokens
        var i = 1
        while i < tokens.count {
            let t = tokens[i]
            guard t.kind == .word else {
                throw NetlistError.syntax(t.location, token: t.text, message: "expected an option name")
            }
            if let warning = Options.warning(for: t.lower, at: t.location) { deck.warnings.append(warning) }
            if i + 1 < tokens.count, tokens[i + 1].kind == .equals {
                guard i + 2 < tokens.count, tokens[i + 2].isValue else {
                    throw NetlistError.missingField(t.location, token: t.lower, expected: "a value after '='")
                }
                let v = tokens[i + 2]
                if v.kind == .expression || SpiceNumber.parse(v.text) != nil {
                    deck.options.values[t.lower] = try value(v, in: card, frame: 0)
                } else {
                    deck.options.text[t.lower] = v.lower
                    if t.lower == "method", !["trap", "trapezoidal", "gear"].contains(v.lower) {
                        // ngspice-39: "unsupported integration method", and it keeps its default.
                        deck.warnings.append(
                            "\(v.location): warning: integration method '\(v.lower)' is not one Kelvin implements "
                                + "(trap, gear); trapezoidal is used ('\(v.lower)')")
                    }
                }
                i += 3
            } else {
                deck.options.values[t.lower] = 1
                i += 1
            }
        }
    }

    /// `.ic v(n)=x ...` / `.nodeset v(n)=x ...`, nodes flattened in the card's scope (each is
    /// also kept in `initialNodes`, so that one no element connects can be reported).
    mutating func nodeVoltages(_ card: Card, frame f: Int) throws -> [(String, Double)] {
        let tokens = card.tokens
        var result: [(String, Double)] = []
        var i = 1
        while i < tokens.count {
            // v ( node ) = value
            guard i + 5 < tokens.count,
                tokens[i].lower == "v", tokens[i + 1].kind == .openParen, tokens[i + 2].kind == .word,
                tokens[i + 3].kind == .closeParen, tokens[i + 4].kind == .equals, tokens[i + 5].isValue
            else {
                if i + 5 >= tokens.count, tokens[i].lower == "v" {
                    throw NetlistError.missingField(
                        tokens[i].location, token: tokens[i].text, expected: "v(NODE)=VALUE")
                }
                throw NetlistError.syntax(tokens[i].location, token: tokens[i].text, message: "expected v(NODE)=VALUE")
            }
            let name = node(tokens[i + 2].lower, frame: f)
            result.append((name, try value(tokens[i + 5], in: card, frame: f)))
            initialNodes.append((name, tokens[i + 2].location, card.keyword))
            i += 6
        }
        return result
    }
}
