import Netlist

/// Voltage-controlled voltage source (E): `v_a − v_b = A · (v_c − v_d)`, branch current unknown `k`.
///
/// KCL: `F_a += i`, `F_b −= i`; branch: `F_k = v_a − v_b − A · (v_c − v_d)` (A dimensionless).
struct VCVS: Device {
    let name: String
    let a: Int, b: Int, c: Int, d: Int
    let branch: Int
    let gain: Double
    private var ak = Slot.dropped, bk = Slot.dropped, ka = Slot.dropped, kb = Slot.dropped
    private var kc = Slot.dropped, kd = Slot.dropped

    init(name: String, a: Int, b: Int, c: Int, d: Int, branch: Int, gain: Double) {
        self.name = name
        self.a = a; self.b = b; self.c = c; self.d = d
        self.branch = branch
        self.gain = gain
    }

    mutating func reserve(_ reserver: inout SlotReserver) {
        ak = reserver.reserve(a, branch)
        bk = reserver.reserve(b, branch)
        ka = reserver.reserve(branch, a)
        kb = reserver.reserve(branch, b)
        kc = reserver.reserve(branch, c)
        kd = reserver.reserve(branch, d)
    }

    func load(_ context: LoadContext, into buffer: inout LoadBuffer) {
        let i = context.v(branch)
        buffer.addF(a, i)
        buffer.addF(b, -i)
        buffer.addF(branch, context.v(a) - context.v(b) - gain * (context.v(c) - context.v(d)))
        buffer.addJF(ak, 1)
        buffer.addJF(bk, -1)
        buffer.addJF(ka, 1)
        buffer.addJF(kb, -1)
        buffer.addJF(kc, -gain)
        buffer.addJF(kd, gain)
    }

    var dcPaths: [(Int, Int)] { [(a, b)] }
    var voltageDefinition: (Int, Int)? { (a, b) }
}
