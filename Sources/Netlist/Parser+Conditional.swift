/// Selects the taken branches of ngspice's conditional netlist sections:
///
///     .if (EXPR)  ... [.elseif (EXPR) ...]* [.else ...] .endif
///
/// EXPR is a `.param` expression, true when non-zero. Sections nest. Only the cards of the first
/// branch whose condition holds (or of `.else`) are kept; the others are dropped before the deck is
/// built, so a model, parameter, subcircuit or element of a branch not taken does not exist.
///
/// Conditions see the top-level `.param`s (and `.func`s) defined above them, including those of
/// taken branches. A `.if` inside a `.subckt` (whose parameters differ per instance) is refused
/// with an error at it rather than evaluated with the wrong scope.
enum ConditionalSections {
    /// The state of one open `.if`.
    private struct Open {
        var card: Card
        /// The enclosing sections all take their current branch.
        var parentActive: Bool
        /// A branch of this section has already been taken.
        var taken = false
        /// The current branch is the taken one.
        var active = false
        /// `.else` was seen.
        var sawElse = false
    }

    static func select(_ cards: [Card], globals: Set<String> = []) throws -> [Card] {
        guard cards.contains(where: { [".if", ".elseif", ".else", ".endif"].contains($0.keyword) }) else { return cards }
        var result: [Card] = []
        var stack: [Open] = []
        var depth = 0
        // The top-level parameters and functions seen so far, evaluated by a flattener frame.
        var scope = Flattener(globals: globals)
        scope.frames = [Flattener.Frame(body: Body())]
        var active: Bool { stack.last.map { $0.parentActive && $0.active } ?? true }

        func condition(_ card: Card) throws -> Bool {
            let start = card.tokens[0].range.upperBound, end = card.line.scalars.count
            guard card.tokens.count > 1 else {
                throw NetlistError.missingField(card.location, token: card.keyword, expected: "a condition")
            }
            let expression = try Expression.parse(card.line, start..<end)
            return try scope.evaluate(expression, frame: 0) != 0
        }

        for card in cards {
            switch card.keyword {
            case ".if":
                if active && depth > 0 {
                    throw NetlistError.unsupported(
                        card.location, token: card.keyword, feature: "'.if' inside a '.subckt' (use it at the top level)")
                }
                var open = Open(card: card, parentActive: active)
                if open.parentActive {
                    open.active = try condition(card)
                    open.taken = open.active
                }
                stack.append(open)
            case ".elseif", ".else":
                guard var open = stack.popLast(), !open.sawElse else {
                    throw NetlistError.syntax(
                        card.location, token: card.keyword, message: "'\(card.keyword)' without '.if'")
                }
                if card.keyword == ".else" {
                    open.sawElse = true
                    open.active = !open.taken
                } else {
                    open.active = open.parentActive && !open.taken ? try condition(card) : false
                }
                open.taken = open.taken || open.active
                stack.append(open)
            case ".endif":
                guard stack.popLast() != nil else {
                    throw NetlistError.syntax(card.location, token: card.keyword, message: "'.endif' without '.if'")
                }
            default:
                guard active else { continue }
                switch card.keyword {
                case ".subckt": depth += 1
                case ".ends": depth = max(0, depth - 1)
                case ".param" where depth == 0:
                    let assignments = try StructureBuilder.assignments(
                        in: card.line, from: card.tokens[0].range.upperBound)
                    try scope.evaluateParameters(assignments, frame: 0)
                case ".func" where depth == 0:
                    let function = try StructureBuilder.userFunction(card)
                    scope.frames[0].body.functions[function.name] = function
                default: break
                }
                result.append(card)
            }
        }
        if let open = stack.last {
            throw NetlistError.unterminated(open.card.location, token: ".if", expected: ".endif")
        }
        return result
    }
}
