import Netlist

/// Current-controlled switch `W a b vcontrol model`: a conductance between `a` and `b` of `1/RON`
/// when the branch current of `vcontrol` (A) is above `IT + IH`, `1/ROFF` below `IT − IH`, with
/// hysteresis in between (see `SwitchLogic`). `F_a += g·(v_a − v_b)`; no charge.
struct CurrentSwitch: Device {
    let name: String
    let a: Int, b: Int
    /// Branch-current unknown of the controlling source.
    let control: Int
    let logic: SwitchLogic
    private var slots = ConductanceSlots()
    private(set) var stateBase = 0

    init(name: String, a: Int, b: Int, control: Int, logic: SwitchLogic) {
        self.name = name
        self.a = a
        self.b = b
        self.control = control
        self.logic = logic
    }

    mutating func reserve(_ reserver: inout SlotReserver) {
        slots = reserver.reservePair(a, b)
        stateBase = reserver.reserveState(SwitchLogic.stateCount)
    }

    func load(_ context: LoadContext, into buffer: inout LoadBuffer) {
        let on = logic.decide(control: context.v(control), context: context, stateBase: stateBase, into: &buffer)
        let g = on ? logic.onConductance : logic.offConductance
        buffer.addConductance(slots, a, b, g, context)
    }

    var dcPaths: [(Int, Int)] { [(a, b)] }
}

extension CurrentSwitch: TimeStepLimiting {
    func maximumStep(step h: Double, state: [Double], previousState: [Double]) -> Double {
        logic.maximumStep(step: h, state: state, previousState: previousState, stateBase: stateBase)
    }
}
