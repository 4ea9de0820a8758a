import Netlist

/// Linear inductor between `a` and `b` with branch current `i` (A) as an extra unknown `k`.
///
/// KCL: `F_a += i`, `F_b −= i`. Branch equation `v_a − v_b − L·di/dt = 0`, written as
/// `F_k = v_a − v_b` and flux `Q_k = −L · i` (L in H, flux in Wb). At DC (`Q` ignored) the inductor
/// is a short: `v_a = v_b`.
struct Inductor: Device {
    let name: String
    let a: Int
    let b: Int
    let branch: Int
    /// Inductance (H).
    let inductance: Double
    let initialCondition: Double?
    private var ak = Slot.dropped, bk = Slot.dropped, ka = Slot.dropped, kb = Slot.dropped, kk = Slot.dropped

    init(name: String, a: Int, b: Int, branch: Int, inductance: Double, initialCondition: Double?) {
        self.name = name
        self.a = a
        self.b = b
        self.branch = branch
        self.inductance = inductance
        self.initialCondition = initialCondition
    }

    mutating func reserve(_ reserver: inout SlotReserver) {
        ak = reserver.reserve(a, branch)
        bk = reserver.reserve(b, branch)
        ka = reserver.reserve(branch, a)
        kb = reserver.reserve(branch, b)
        kk = reserver.reserve(branch, branch)
    }

    func load(_ context: LoadContext, into buffer: inout LoadBuffer) {
        let i = context.v(branch)
        buffer.addF(a, i)
        buffer.addF(b, -i)
        buffer.addF(branch, context.v(a) - context.v(b))
        buffer.addJF(ak, 1)
        buffer.addJF(bk, -1)
        buffer.addJF(ka, 1)
        buffer.addJF(kb, -1)
        buffer.addQ(branch, -inductance * i)
        buffer.addJQ(kk, -inductance)
    }

    var dcPaths: [(Int, Int)] { [(a, b)] }
    var voltageDefinition: (Int, Int)? { (a, b) }
}
