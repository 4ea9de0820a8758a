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
    private var ak = Slot.dropped, bk = Slot.dropped, ka = Slot.dropped, kb = Slot.dropped, kc = Slot.dropped

    init(name: String, a: Int, b: Int, branch: Int, control: Int, transresistance: Double) {
        self.name = name
        self.a = a; self.b = b
        self.branch = branch
        self.control = control
        self.transresistance = transresistance
    }

    mutating func reserve(_ reserver: inout SlotReserver) {
        ak = reserver.reserve(a, branch)
        bk = reserver.reserve(b, branch)
        ka = reserver.reserve(branch, a)
        kb = reserver.reserve(branch, b)
        kc = reserver.reserve(branch, control)
    }

    func load(_ context: LoadContext, into buffer: inout LoadBuffer) {
        let i = context.v(branch)
        buffer.addF(a, i)
        buffer.addF(b, -i)
        buffer.addF(branch, context.v(a) - context.v(b) - transresistance * context.v(control))
        buffer.addJF(ak, 1)
        buffer.addJF(bk, -1)
        buffer.addJF(ka, 1)
        buffer.addJF(kb, -1)
        buffer.addJF(kc, -transresistance)
    }

    var dcPaths: [(Int, Int)] { [(a, b)] }
    var voltageDefinition: (Int, Int)? { (a, b) }
}
