import Netlist

/// Linear resistor between `a` and `b`: `i(a→b) = G · (v_a − v_b)` with `G = 1/R` (S, R in Ω).
///
/// `F_a += i`, `F_b −= i`; `dF/dx` is the conductance stamp.
struct Resistor: Device {
    let name: String
    let a: Int
    let b: Int
    /// Conductance `G = 1/R` (S).
    let conductance: Double
    private var slots = ConductanceSlots()

    init(name: String, a: Int, b: Int, resistance: Double) {
        self.name = name
        self.a = a
        self.b = b
        self.conductance = 1 / resistance
    }

    mutating func reserve(_ reserver: inout SlotReserver) { slots = reserver.reservePair(a, b) }

    func load(_ context: LoadContext, into buffer: inout LoadBuffer) {
        buffer.addConductance(slots, a, b, conductance, context)
    }

    var dcPaths: [(Int, Int)] { [(a, b)] }
}
