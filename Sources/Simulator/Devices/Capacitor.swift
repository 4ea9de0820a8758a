import Netlist

/// Linear capacitor between `a` and `b`: charge `q = C · (v_a − v_b)` (C in F, q in C).
///
/// Contributes only to `Q`: `Q_a += q`, `Q_b −= q`, `dQ/dx` the capacitance stamp. At DC the analysis
/// ignores `Q`, so the capacitor is an open circuit.
struct Capacitor: Device {
    let name: String
    let a: Int
    let b: Int
    /// Capacitance (F).
    let capacitance: Double
    /// Optional `ic=` (V), used by a transient analysis with UIC.
    let initialCondition: Double?
    private var slots = ConductanceSlots()

    init(name: String, a: Int, b: Int, capacitance: Double, initialCondition: Double?) {
        self.name = name
        self.a = a
        self.b = b
        self.capacitance = capacitance
        self.initialCondition = initialCondition
    }

    mutating func reserve(_ reserver: inout SlotReserver) { slots = reserver.reservePair(a, b) }

    func load(_ context: LoadContext, into buffer: inout LoadBuffer) {
        let q = capacitance * (context.v(a) - context.v(b))
        buffer.addQ(a, q)
        buffer.addQ(b, -q)
        buffer.addCapacitanceQ(slots, capacitance)
    }
}
