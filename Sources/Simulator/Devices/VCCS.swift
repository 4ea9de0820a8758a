import Netlist

/// Voltage-controlled current source (G): `i(a→b) = gm · (v_c − v_d)` through the source (gm in S).
///
/// `F_a += i`, `F_b −= i`; Jacobian `∂F_a/∂v_c = gm`, `∂F_a/∂v_d = −gm` and the negatives in row `b`.
struct VCCS: Device {
    let name: String
    let a: Int, b: Int, c: Int, d: Int
    let transconductance: Double
    private var ac = Slot.dropped, ad = Slot.dropped, bc = Slot.dropped, bd = Slot.dropped

    init(name: String, a: Int, b: Int, c: Int, d: Int, transconductance: Double) {
        self.name = name
        self.a = a; self.b = b; self.c = c; self.d = d
        self.transconductance = transconductance
    }

    mutating func reserve(_ reserver: inout SlotReserver) {
        ac = reserver.reserve(a, c)
        ad = reserver.reserve(a, d)
        bc = reserver.reserve(b, c)
        bd = reserver.reserve(b, d)
    }

    func load(_ context: LoadContext, into buffer: inout LoadBuffer) {
        let gm = transconductance
        let i = gm * (context.v(c) - context.v(d))
        buffer.addF(a, i)
        buffer.addF(b, -i)
        buffer.addJF(ac, gm)
        buffer.addJF(ad, -gm)
        buffer.addJF(bc, -gm)
        buffer.addJF(bd, gm)
    }
}
