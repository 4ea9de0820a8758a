/// The structured form of a cell: what both its subcircuit and its characterisation deck are
/// rendered from.
///
/// Cards carry a `Role`: `.cell` cards (and `.model` cards) form the subcircuit; `.bench` cards
/// (sources, loads, analyses) exist only in the standalone deck. In the deck the cell's cards are
/// written inline, so a port's name is the deck's node name and internal nodes keep their names.
public struct CellNetlist: Sendable, Equatable {
    /// One line saying what the cell computes.
    public var summary: String
    /// Comment lines after the title (without the leading `* `).
    public var documentation: [String]
    /// The `* characterize:` fields and `* ideal:` expression; nil for a cell that is not swept.
    public var characterization: CharacterizationHeader?
    /// Included files (relative to netlists/).
    public var includes: [String]
    /// The subcircuit's ports, in order.
    public var ports: [Port]
    /// Cell, model and bench cards in deck order.
    public var cards: [Card]
    /// Width the element name is padded to in the deck (0: one space after the name).
    public var nameColumn: Int

    public init(
        summary: String, documentation: [String], characterization: CharacterizationHeader? = nil,
        includes: [String] = [], ports: [Port], cards: [Card], nameColumn: Int = 0
    ) {
        self.summary = summary
        self.documentation = documentation
        self.characterization = characterization
        self.includes = includes
        self.ports = ports
        self.cards = cards
        self.nameColumn = nameColumn
    }
}

/// One port of a cell's subcircuit.
public struct Port: Sendable, Equatable, CustomStringConvertible {
    /// Node name (inside the subcircuit and in the standalone deck).
    public var name: String
    /// What the port carries, e.g. `input`, `output`, `control`, `supply`.
    public var role: String

    public init(_ name: String, _ role: String) {
        self.name = name
        self.role = role
    }

    public var description: String { "\(name) (\(role))" }
}

/// The header `CellSpec` parses: `* characterize: FIELDS` and `* ideal: EXPR`.
public struct CharacterizationHeader: Sendable, Equatable {
    /// e.g. `input=V1 -15:15:61 output=out`.
    public var fields: String
    /// The ideal function of `x` (and `w`); nil: none.
    public var ideal: String?

    public init(fields: String, ideal: String? = nil) {
        self.fields = fields
        self.ideal = ideal
    }
}

/// One card of a cell deck.
public struct Card: Sendable, Equatable {
    /// Whether the card belongs to the subcircuit or only to the standalone deck.
    public enum Role: Sendable, Equatable {
        /// An element of the cell.
        case cell
        /// A `.model` card the cell's elements use (written inside the `.subckt`).
        case model
        /// A source, load or analysis of the characterisation bench.
        case bench
    }

    public var role: Role
    /// Element name (`R1`, `XA`), or nil for a card written verbatim (`.dc …`, `.model …`).
    public var name: String?
    /// The fields after the name: nodes, then value or model and parameters.
    public var fields: [String]

    /// An element card `NAME field…`.
    public static func element(_ name: String, _ fields: [String], role: Role = .cell) -> Card {
        Card(role: role, name: name, fields: fields)
    }

    /// A card written as is (dot cards, continued sources).
    public static func text(_ text: String, role: Role) -> Card { Card(role: role, name: nil, fields: [text]) }
}
