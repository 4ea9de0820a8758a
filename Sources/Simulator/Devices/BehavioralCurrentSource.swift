import Netlist

/// Behavioural current source (B with `I=`, G with `value=`/`table`, F and G with `POLY`):
/// `i(a→b) = f(c₁, …, cₙ)` through the source, `f` in amperes of node voltages, branch currents,
/// `time` and `temper` (see `BehavioralExpression`).
///
/// `F_a += f(x)`, `F_b −= f(x)`; Jacobian `∂F_a/∂x_u = ∂f/∂c`, `∂F_b/∂x_u = −∂f/∂c` for every
/// control `c` reading unknown `u` (exact, by dual numbers).
struct BehavioralCurrentSource: Device {
    let name: String
    let a: Int, b: Int
    let inputs: BehavioralInputs
    /// `(a, u)` and `(b, u)` for the unknown `u` of each control.
    private var rowA: [Slot] = []
    private var rowB: [Slot] = []

    init(name: String, a: Int, b: Int, inputs: BehavioralInputs) {
        self.name = name
        self.a = a; self.b = b
        self.inputs = inputs
    }

    mutating func reserve(_ reserver: inout SlotReserver) {
        rowA = inputs.unknowns.map { reserver.reserve(a, $0) }
        rowB = inputs.unknowns.map { reserver.reserve(b, $0) }
    }

    func load(_ context: LoadContext, into buffer: inout LoadBuffer) {
        let (value, partials) = inputs.evaluate(context)
        buffer.addCurrentF(a, b, value)
        for k in partials.indices {
            buffer.addJF(rowA[k], partials[k])
            buffer.addJF(rowB[k], -partials[k])
        }
    }
}
