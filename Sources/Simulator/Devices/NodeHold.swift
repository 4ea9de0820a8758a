/// Holds node `n` at `value` (V) through a large conductance `g` (S) to ground: `F_n += g·v_n`,
/// `B_n += g·value`. A transient analysis adds one per `.ic` node to its initial operating point
/// (without UIC), as ngspice does; it is not a deck element.
struct NodeHold: Device {
    let name: String
    let node: Int
    let value: Double
    let diagonal: Slot
    /// Conductance (S) ngspice uses for `.ic` nodes.
    static let conductance = 1e10

    func reserve(_ reserver: inout SlotReserver) {}

    func load(_ context: LoadContext, into buffer: inout LoadBuffer) {
        let g = Self.conductance
        buffer.addF(node, g * context.v(node))
        buffer.addB(node, g * value * context.sourceFactor)
        buffer.addJF(diagonal, g)
    }
}
