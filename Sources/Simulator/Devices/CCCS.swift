import Netlist

/// Current-controlled current source (F): `i(a→b) = β · i_ctrl`, where `i_ctrl` (A) is the branch
/// current of the controlling V source (unknown `control`), β dimensionless.
///
/// `F_a += β · i_ctrl`, `F_b −= β · i_ctrl`.
struct CCCS: Device {
    let name: String
    let a: Int, b: Int
    let control: Int
    let gain: Double
    private var ak = Slot.dropped, bk = Slot.dropped

    init(name: String, a: Int, b: Int, control: Int, gain: Double) {
        self.name = name
        self.a = a; self.b = b
        self.control = control
        self.gain = gain
    }

    mutating func reserve(_ reserver: inout SlotReserver) {
        ak = reserver.reserve(a, control)
        bk = reserver.reserve(b, control)
    }

    func load(_ context: LoadContext, into buffer: inout LoadBuffer) {
        let i = gain * context.v(control)
        buffer.addF(a, i)
        buffer.addF(b, -i)
        buffer.addJF(ak, gain)
        buffer.addJF(bk, -gain)
    }
}
