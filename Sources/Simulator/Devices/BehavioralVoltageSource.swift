import Netlist

/// Behavioural voltage source (B with `V=`, E with `value=`/`table`, E and H with `POLY`):
/// `v_a − v_b = f(c₁, …, cₙ)` with branch current unknown `k`, `f` in volts of node voltages,
/// branch currents, `time` and `temper` (see `BehavioralExpression`).
///
/// KCL: `F_a += i`, `F_b −= i`; branch: `F_k = v_a − v_b − f(x)`, Jacobian `∂F_k/∂x_u = −∂f/∂c`
/// for every control `c` reading unknown `u` (exact, by dual numbers). At `.ac` the source is this
/// Jacobian at the operating point: a linear controlled source with those gains.
struct BehavioralVoltageSource: Device {
    let name: String
    let a: Int, b: Int
    let branch: Int
    let inputs: BehavioralInputs
    private var incidence = BranchSlots()
    /// `(k, u)` for the unknown `u` of each control.
    private var controlSlots: [Slot] = []

    init(name: String, a: Int, b: Int, branch: Int, inputs: BehavioralInputs) {
        self.name = name
        self.a = a; self.b = b
        self.branch = branch
        self.inputs = inputs
    }

    mutating func reserve(_ reserver: inout SlotReserver) {
        incidence = reserver.reserveBranch(a, b, branch: branch)
        controlSlots = inputs.unknowns.map { reserver.reserve(branch, $0) }
    }

    func load(_ context: LoadContext, into buffer: inout LoadBuffer) {
        buffer.addBranchIncidence(incidence, a: a, b: b, branch: branch, context)
        let (value, partials) = inputs.evaluate(context)
        buffer.addF(branch, -value)
        for (slot, p) in zip(controlSlots, partials) { buffer.addJF(slot, -p) }
    }

    var dcPaths: [(Int, Int)] { [(a, b)] }
    var voltageDefinition: (Int, Int)? { (a, b) }
}
