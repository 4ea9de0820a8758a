extension Flattener {
    /// `Kname L1 L2 k`: magnetic coupling of two inductors (names flattened in the card's scope),
    /// `M = k·√(L1·L2)`. `|k| ≤ 1` is checked here, at the value; that both names are inductors is
    /// checked when the circuit is set up (the inductors may follow the card).
    func coupling(_ p: [Token], card: Card, frame f: Int) throws -> ([String], ElementKind) {
        let nameToken = card.tokens[0]
        guard p.count >= 3 else {
            throw NetlistError.missingField(nameToken.location, token: nameToken.lower, expected: "2 inductors and a coupling factor")
        }
        for t in p[0..<2] where t.kind != .word || !t.lower.hasPrefix("l") {
            throw NetlistError.syntax(t.location, token: t.text, message: "expected an inductor name")
        }
        if p.count > 3 { throw NetlistError.syntax(p[3].location, token: p[3].text, message: "unexpected field") }
        let k = try value(p[2], in: card, frame: f)
        guard k.isFinite, abs(k) <= 1 else {
            throw NetlistError.invalidExpression(
                p[2].location, token: p[2].text, message: "coupling factor must satisfy |k| ≤ 1, got \(k)")
        }
        return ([], .mutualInductance(first: elementName(p[0].lower, frame: f), second: elementName(p[1].lower, frame: f),
                                      coupling: k))
    }
}
