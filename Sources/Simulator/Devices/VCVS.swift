import Netlist

/// Voltage-controlled voltage source (E): `v_a − v_b = A · (v_c − v_d)`, branch current unknown `k`.
///
/// KCL: `F_a += i`, `F_b −= i`; branch: `F_k = v_a − v_b − A · (v_c − v_d)` (A dimensionless).
struct VCVS: Device {
    let name: String
    let a: Int, b: Int, c: Int, d: Int
    let branch: Int
    let gain: Double
    private var incidence = BranchSlots()
    private var kc = Slot.dropped, kd = Slot.dropped

    init(name: String, a: Int, b: Int, c: Int, d: Int, branch: Int, gain: Double) {
        self.name = name
        self.a = a; self.b = b; self.c = c; self.d = d
        self.branch = branch
        self.gain = gain
    }

    mutating func reserve(_ reserver: inout SlotReserver) {
        incidence = reserver.reserveBranch(a, b, branch: branch)
        kc = reserver.reserve(branch, c)
        kd = reserver.reserve(branch, d)
    }

    func load(_ context: LoadContext, into buffer: inout LoadBuffer) {
        buffer.addBranchIncidence(incidence, a: a, b: b, branch: branch, context)
        buffer.addF(branch, -gain * (context.v(c) - context.v(d)))
        buffer.addJF(kc, -gain)
        buffer.addJF(kd, gain)
    }

    var dcPaths: [(Int, Int)] { [(a, b)] }
    var voltageDefinition: (Int, Int)? { (a, b) }
}
