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
    private var incidence = BranchSlots()
    private var kk = Slot.dropped

    init(name: String, a: Int, b: Int, branch: Int, inductance: Double, initialCondition: Double?) {
        self.name = name
        self.a = a
        self.b = b
        self.branch = branch
        self.inductance = inductance
        self.initialCondition = initialCondition
    }

    mutating func reserve(_ reserver: inout SlotReserver) {
        incidence = reserver.reserveBranch(a, b, branch: branch)
        kk = reserver.reserve(branch, branch)
    }

    func load(_ context: LoadContext, into buffer: inout LoadBuffer) {
        buffer.addBranchIncidence(incidence, a: a, b: b, branch: branch, context)
        buffer.addQ(branch, -inductance * context.v(branch))
        buffer.addJQ(kk, -inductance)
    }

    var dcPaths: [(Int, Int)] { [(a, b)] }
    var voltageDefinition: (Int, Int)? { (a, b) }
}
