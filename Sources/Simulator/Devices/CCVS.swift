import Netlist

/// Current-controlled voltage source (H): `v_a − v_b = R · i_ctrl` (R in Ω), with its own branch
/// current unknown `k` and the controlling V source's branch current `i_ctrl` (unknown `control`).
///
/// KCL: `F_a += i`, `F_b −= i`; branch: `F_k = v_a − v_b − R · i_ctrl`.
struct CCVS: Device {
    let name: String
    let a: Int, b: Int
    let branch: Int
    let control: Int
    let transresistance: Double
    private var incidence = BranchSlots()
    private var kc = Slot.dropped

    init(name: String, a: Int, b: Int, branch: Int, control: Int, transresistance: Double) {
        self.name = name
        self.a = a; self.b = b
        self.branch = branch
        self.control = control
        self.transresistance = transresistance
    }

    mutating func reserve(_ reserver: inout SlotReserver) {
        incidence = reserver.reserveBranch(a, b, branch: branch)
        kc = reserver.reserve(branch, control)
    }

    func load(_ context: LoadContext, into buffer: inout LoadBuffer) {
        buffer.addBranchIncidence(incidence, a: a, b: b, branch: branch, context)
        buffer.addF(branch, -transresistance * context.v(control))
        buffer.addJF(kc, -transresistance)
    }

    var dcPaths: [(Int, Int)] { [(a, b)] }
    var voltageDefinition: (Int, Int)? { (a, b) }
}
