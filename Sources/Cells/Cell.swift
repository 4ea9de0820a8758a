/// A parameterised analog computing cell: one value describes both the subcircuit the compiler
/// instantiates and the deck `kelvin characterize` sweeps, so the two cannot drift apart.
///
/// A generator states its circuit once, as a `CellNetlist` (ports, element cards tagged as part of
/// the cell or of its test bench, documentation and the `* characterize:` header); the text forms
/// (`subcircuit`, `characterizationDeck`) are rendered from it by one renderer
/// (`CellNetlist+Render.swift`).
public protocol Cell: Sendable {
    /// The cell's name: its `.subckt` name and its file `netlists/NAME.cir`.
    var name: String { get }
    /// The circuit: ports, cards (cell and bench), documentation, characterisation header.
    var netlist: CellNetlist { get }
}

extension Cell {
    /// The subcircuit's ports, in `.subckt` order.
    public var ports: [Port] { netlist.ports }

    /// One line saying what the cell computes (the deck's title after `NAME: `).
    public var summary: String { netlist.summary }

    /// The `.subckt NAME ports … .ends NAME` text (the cell's cards and models only; the caller
    /// includes `includes`, e.g. `opamp.lib`).
    public var subcircuit: String { netlist.subcircuitText(name: name) }

    /// The standalone deck: title, documentation, `* characterize:` / `* ideal:` header, includes,
    /// the cell's cards inline (its ports are the deck's nodes) with the bench's sources, analyses,
    /// `.end`. `Characterizer` runs it unchanged; for the cells in netlists/ it is the file.
    public var characterizationDeck: String { netlist.deckText(name: name) }

    /// Files the subcircuit needs included (relative to netlists/), e.g. `opamp.lib`.
    public var includes: [String] { netlist.includes }
}
