import Netlist

/// Magnetic coupling `K` of two inductors with branch currents `i₁ = x_{k₁}`, `i₂ = x_{k₂}` (A).
///
/// Mutual inductance `M = k·√(L₁·L₂)` (H, |k| ≤ 1). Each inductor's branch equation
/// `v_a − v_b − L·di/dt = 0` gains the other's flux: `Q_{k₁} −= M·i₂`, `Q_{k₂} −= M·i₁` (Wb), so
/// `dQ/dx` holds `−M` at `(k₁, k₂)` and `(k₂, k₁)`. Nothing enters `F`: at DC the inductors stay
/// shorts, in `.ac` the branch rows read `v₁ = jω(L₁·i₁ + M·i₂)`. Several couplings on one inductor add.
struct MutualInductance: Device {
    let name: String
    let first: Int
    let second: Int
    /// Mutual inductance `M` (H).
    let mutual: Double
    private var slot12 = Slot.dropped, slot21 = Slot.dropped

    init(name: String, first: Int, second: Int, mutual: Double) {
        self.name = name
        self.first = first
        self.second = second
        self.mutual = mutual
    }

    mutating func reserve(_ reserver: inout SlotReserver) {
        slot12 = reserver.reserve(first, second)
        slot21 = reserver.reserve(second, first)
    }

    func load(_ context: LoadContext, into buffer: inout LoadBuffer) {
        buffer.addQ(first, -mutual * context.v(second))
        buffer.addQ(second, -mutual * context.v(first))
        buffer.addJQ(slot12, -mutual)
        buffer.addJQ(slot21, -mutual)
    }
}
