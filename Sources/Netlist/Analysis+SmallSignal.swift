extension Flattener {
    /// `.tf OUTVAR INSRC`: `OUTVAR` is `v(p[,n])` or `i(vname)`, `INSRC` a V or I source.
    mutating func transferFunction(_ card: Card) throws {
        var i = 1
        let output = try outputVariable(card, at: &i)
        let source = try sourceName(card, at: &i, what: "an input source (INSRC)")
        try rejectExtra(card, from: i)
        deck.analyses.append(Analysis(kind: .transferFunction(output: output, source: source), location: card.location))
    }

    /// `.sens OUTVAR` (the DC form; `.sens OUTVAR ac ...` is an error naming it).
    mutating func sensitivity(_ card: Card) throws {
        var i = 1
        let output = try outputVariable(card, at: &i)
        if i < card.tokens.count, card.tokens[i].lower == "ac" {
            throw NetlistError.unsupported(
                card.tokens[i].location, token: card.tokens[i].lower, feature: "AC sensitivity (.sens OUTVAR ac ...)")
        }
        try rejectExtra(card, from: i)
        deck.analyses.append(Analysis(kind: .sensitivity(output: output), location: card.location))
    }

    /// `.noise v(out[,ref]) SRC dec|oct|lin N fstart fstop [PTS_PER_SUMMARY]`: the output must be a
    /// voltage (as in ngspice); the per-summary count (ngspice's noise-contribution printout) is
    /// accepted only as 0, other values are an error naming it.
    mutating func noise(_ card: Card) throws {
        var i = 1
        let output = try outputVariable(card, at: &i)
        guard case .voltage = output else {
            throw NetlistError.syntax(
                card.tokens[1].location, token: card.tokens[1].text, message: ".noise needs a voltage output v(out[,ref])")
        }
        let source = try sourceName(card, at: &i, what: "an input source (SRC)")
        let t = Array(card.tokens[i...])
        guard t.count >= 4 else {
            throw NetlistError.missingField(card.location, token: card.keyword, expected: "DEC|OCT|LIN N FSTART FSTOP")
        }
        guard let variation = ACVariation(rawValue: t[0].lower) else {
            throw NetlistError.syntax(t[0].location, token: t[0].text, message: "expected dec, oct or lin")
        }
        let n = try value(t[1], in: card, frame: 0)
        guard n >= 1, n == n.rounded(), n < Double(Int32.max) else {
            throw NetlistError.syntax(t[1].location, token: t[1].text, message: "point count must be a positive integer")
        }
        if t.count > 4 {
            guard t.count == 5, try value(t[4], in: card, frame: 0) == 0 else {
                let bad = t[4]
                throw NetlistError.unsupported(
                    bad.location, token: bad.text,
                    feature: ".noise per-source summaries (PTS_PER_SUMMARY); the totals are in the noise2 plot")
            }
        }
        deck.analyses.append(
            Analysis(
                kind: .noise(
                    output: output, source: source, variation: variation, points: Int(n),
                    start: try value(t[2], in: card, frame: 0), stop: try value(t[3], in: card, frame: 0)),
                location: card.location))
    }

    /// Reads `v(p)`, `v(p,n)` or `i(vname)` starting at token `i`, leaving `i` past it.
    func outputVariable(_ card: Card, at i: inout Int) throws -> OutputVariable {
        let t = card.tokens
        guard i < t.count else {
            throw NetlistError.missingField(card.location, token: card.keyword, expected: "an output v(NODE[,REF]) or i(VSRC)")
        }
        let head = t[i]
        guard head.lower == "v" || head.lower == "i", i + 2 < t.count, t[i + 1].kind == .openParen else {
            throw NetlistError.syntax(head.location, token: head.text, message: "expected an output v(NODE[,REF]) or i(VSRC)")
        }
        var names: [Token] = []
        var j = i + 2
        while j < t.count, t[j].kind == .word { names.append(t[j]); j += 1 }
        guard j < t.count, t[j].kind == .closeParen, !names.isEmpty, names.count <= (head.lower == "v" ? 2 : 1) else {
            throw NetlistError.syntax(head.location, token: head.text, message: "expected an output v(NODE[,REF]) or i(VSRC)")
        }
        i = j + 1
        if head.lower == "i" {
            guard names[0].lower.hasPrefix("v") else {
                throw NetlistError.syntax(names[0].location, token: names[0].text, message: "i() output must name a V source")
            }
            return .current(names[0].lower)
        }
        return .voltage(node(names[0].lower, frame: 0), names.count > 1 ? node(names[1].lower, frame: 0) : "0")
    }

    /// Reads the name of an independent V or I source at token `i`, leaving `i` past it.
    func sourceName(_ card: Card, at i: inout Int, what: String) throws -> String {
        guard i < card.tokens.count else {
            throw NetlistError.missingField(card.location, token: card.keyword, expected: what)
        }
        let t = card.tokens[i]
        guard t.kind == .word, t.lower.hasPrefix("v") || t.lower.hasPrefix("i") else {
            throw NetlistError.syntax(t.location, token: t.text, message: "expected \(what), a V or I source")
        }
        i += 1
        return t.lower
    }

    /// Throws at the first token from `i` on, if any.
    func rejectExtra(_ card: Card, from i: Int) throws {
        if i < card.tokens.count {
            throw NetlistError.syntax(card.tokens[i].location, token: card.tokens[i].text, message: "unexpected field")
        }
    }
}

extension Flattener {
    /// A located warning at each `.sens` card when the circuit has elements whose parameters
    /// Kelvin's `.sens` does not report (all but R, C, L, V, I, E, F, G, H and K), naming them:
    /// ngspice would list their model and instance parameters too.
    mutating func warnSensitivityCoverage() {
        let cards = deck.analyses.filter { if case .sensitivity = $0.kind { return true } else { return false } }
        guard !cards.isEmpty else { return }
        let skipped = deck.elements.filter {
            switch $0.kind {
            case .resistor, .capacitor, .inductor, .voltageSource, .currentSource, .mutualInductance, .vcvs, .vccs, .cccs,
                .ccvs:
                return false
            default: return true
            }
        }.map(\.name)
        guard !skipped.isEmpty else { return }
        let list = skipped.prefix(5).joined(separator: ", ") + (skipped.count > 5 ? ", ... (\(skipped.count) elements)" : "")
        for card in cards {
            deck.warnings.append(
                "\(card.location): warning: .sens reports the parameters of R, C, L, V, I, E, F, G and H only; the sensitivities "
                    + "to \(list) are not computed by Kelvin ('.sens')")
        }
    }
}
