extension Flattener {
    /// Parses the specification of a V or I card after its two nodes:
    /// `[DC] v`, `AC mag [phase]` and one of `PULSE(...)`, `SIN(...)`, `EXP(...)`, `PWL(...) [r=t] [td=t]`,
    /// with or without parentheses and commas, in any order. `DISTOF1`/`DISTOF2 [mag [phase]]`
    /// (inputs of `.disto`, which Kelvin does not run) are located warnings and skipped.
    mutating func parseSource(_ card: Card, frame f: Int) throws -> Source {
        let tokens = card.tokens
        var source = Source(dc: nil)
        var i = 3

        func isValue(_ j: Int) -> Bool {
            guard j < tokens.count else { return false }
            let t = tokens[j]
            if t.kind == .expression { return true }
            guard t.kind == .word, !Self.sourceKeywords.contains(t.lower) else { return false }
            if j + 1 < tokens.count, tokens[j + 1].kind == .equals { return false }
            return SpiceNumber.parse(t.text) != nil || lookup(t.lower, from: f) != nil
                || t.text.unicodeScalars.contains(where: { "+-*/^".unicodeScalars.contains($0) })
        }
        func number(_ j: Int) throws -> Double { try value(tokens[j], in: card, frame: f) }

        while i < tokens.count {
            let t = tokens[i]
            switch t.lower {
            case "dc":
                i += 1
                if i < tokens.count, tokens[i].kind == .equals { i += 1 }
                guard i < tokens.count, tokens[i].isValue else {
                    throw NetlistError.missingField(t.location, token: t.lower, expected: "a DC value")
                }
                source.dc = try number(i)
                i += 1
            case "ac":
                i += 1
                if i < tokens.count, tokens[i].kind == .equals { i += 1 }
                source.acMagnitude = 1
                if isValue(i) {
                    source.acMagnitude = try number(i)
                    i += 1
                    if isValue(i) {
                        source.acPhase = try number(i)
                        i += 1
                    }
                }
            case "pulse", "sin", "sine", "exp", "pwl":
                let (waveform, next) = try parseWaveform(card, keywordAt: i, frame: f)
                source.waveform = waveform
                i = next
            case "distof1", "distof2":
                deck.warnings.append(
                    "\(t.location): warning: '\(t.lower)' is an input of .disto, which Kelvin does not run; ignored ('\(t.lower)')")
                i += 1
                for _ in 0..<2 where isValue(i) { i += 1 }
            case "sffm", "am", "trnoise", "trrandom":
                throw NetlistError.unsupported(t.location, token: t.lower, feature: "source function '\(t.lower)'")
            default:
                guard t.isValue, !isKeyword(i) else {
                    throw NetlistError.syntax(t.location, token: t.text, message: "unexpected field in source")
                }
                guard source.dc == nil else {
                    let message = isValue(i) ? "source value given twice" : "unexpected field in source"
                    throw NetlistError.syntax(t.location, token: t.text, message: message)
                }
                // A bare word that is neither a number nor a parameter reports a bad number.
                source.dc = try number(i)
                i += 1
            }
        }
        // No DC value and no waveform (`V1 a b` or only `AC`): ngspice assumes DC 0.
        if source.dc == nil && source.waveform == nil { source.dc = 0 }
        return source

        func isKeyword(_ j: Int) -> Bool { j + 1 < tokens.count && tokens[j + 1].kind == .equals }
    }

    static let sourceKeywords: Set<String> = [
        "dc", "ac", "pulse", "sin", "sine", "exp", "pwl", "sffm", "am", "trnoise", "trrandom", "distof1", "distof2",
    ]

    /// Parses a waveform whose keyword is at `start`; returns it and the index after its last field.
    func parseWaveform(_ card: Card, keywordAt start: Int, frame f: Int) throws -> (Waveform, Int) {
        let tokens = card.tokens
        let keyword = tokens[start]
        var i = start + 1
        var values: [Token] = []
        var options: [String: Double] = [:]
        let parenthesised = i < tokens.count && tokens[i].kind == .openParen
        if parenthesised { i += 1 }
        while i < tokens.count {
            let t = tokens[i]
            if parenthesised && t.kind == .closeParen {
                i += 1
                break
            }
            if keyword.lower == "pwl", t.kind == .word, ["r", "td"].contains(t.lower), i + 1 < tokens.count,
                tokens[i + 1].kind == .equals
            {
                guard i + 2 < tokens.count, tokens[i + 2].isValue else {
                    throw NetlistError.missingField(t.location, token: t.lower, expected: "a value after '='")
                }
                options[t.lower] = try value(tokens[i + 2], in: card, frame: f)
                i += 3
                continue
            }
            if !parenthesised && (t.kind != .word && t.kind != .expression || Self.sourceKeywords.contains(t.lower)) {
                break
            }
            guard t.isValue else {
                throw NetlistError.syntax(
                    t.location, token: t.text, message: "unexpected '\(t.text)' in \(keyword.lower)")
            }
            values.append(t)
            i += 1
            if parenthesised && i == tokens.count {
                throw NetlistError.unterminated(tokens[start + 1].location, token: "(", expected: "closing )")
            }
        }
        // PWL options may also follow the closing parenthesis.
        while keyword.lower == "pwl", i + 2 < tokens.count, ["r", "td"].contains(tokens[i].lower),
            tokens[i + 1].kind == .equals, tokens[i + 2].isValue
        {
            options[tokens[i].lower] = try value(tokens[i + 2], in: card, frame: f)
            i += 3
        }
        let numbers = try values.map { try value($0, in: card, frame: f) }
        let limits: [String: ClosedRange<Int>] = [
            "pulse": 2...8, "sin": 2...6, "sine": 2...6, "exp": 2...6, "pwl": 2...Int.max,
        ]
        guard let limit = limits[keyword.lower], limit.contains(numbers.count) else {
            throw NetlistError.syntax(
                keyword.location, token: keyword.lower,
                message: numbers.count < 2 ? "waveform needs at least 2 values" : "too many waveform values")
        }
        switch keyword.lower {
        case "pulse": return (.pulse(numbers), i)
        // `sine` is ngspice's alias of `sin` (inpcom.c rewrites it).
        case "sin", "sine": return (.sin(numbers), i)
        case "exp": return (.exp(numbers), i)
        default:
            guard numbers.count % 2 == 0 else {
                throw NetlistError.syntax(keyword.location, token: keyword.lower, message: "PWL needs time-value pairs")
            }
            var points: [(time: Double, value: Double)] = []
            for k in stride(from: 0, to: numbers.count, by: 2) {
                if let last = points.last, numbers[k] < last.time {
                    throw NetlistError.syntax(
                        values[k].location, token: values[k].text, message: "PWL times must not decrease")
                }
                points.append((numbers[k], numbers[k + 1]))
            }
            return (.pwl(points: points, repeatFrom: options["r"], delay: options["td"] ?? 0), i)
        }
    }
}
