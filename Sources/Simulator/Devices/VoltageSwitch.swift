import Netlist

/// The on/off decision shared by the voltage- and current-controlled switches (ngspice `SW`, `CSW`).
///
/// The switch turns on when the control exceeds `threshold + hysteresis`, off when it falls below
/// `threshold − hysteresis`, and otherwise keeps the state of the previous Newton iteration, which
/// at the first iteration of a new point (DC sweep point, time step) is the state of the last
/// accepted point. A change of state marks the iteration unconverged. Against chatter (the state
/// flipping at every iteration), after `chatterLimit` consecutive flips the state is held for one
/// iteration without marking it unconverged, so Newton can settle on either side.
struct SwitchLogic: Sendable {
    /// Control threshold (V or A) and hysteresis half-width (V or A).
    let threshold: Double, hysteresis: Double
    /// On and off conductances (S): `1/RON`, `1/ROFF` (ROFF defaults to `1/gmin`).
    let onConductance: Double, offConductance: Double
    /// Initial state from the instance flags `on` / `off` (default off).
    let initiallyOn: Bool
    static let chatterLimit = 8.0
    /// State layout: on (1) / off (0), consecutive flips, control value (V or A).
    static let stateCount = 3

    init(model: Model, instance: InstanceParameters, thresholdKey: String, hysteresisKey: String, gmin: Double) {
        threshold = model.value(thresholdKey, default: 0)
        hysteresis = abs(model.value(hysteresisKey, default: 0))
        let ron = model.value("ron", default: 1)
        onConductance = ron > 0 ? 1 / ron : 1e12
        let roff = model.parameters["roff"] ?? (gmin > 0 ? 1 / gmin : 1e12)
        offConductance = roff > 0 ? 1 / roff : gmin
        initiallyOn = (instance["on"] ?? 0) != 0
    }

    /// The state for this load and whether it changed (an unconverged iteration).
    func decide(control: Double, context: LoadContext, stateBase s: Int, into buffer: inout LoadBuffer) -> Bool {
        var on: Bool
        var flips = 0.0
        var changed = false
        if context.initJunction {
            on = initiallyOn
        } else {
            let previous = context.previousState[s] != 0
            flips = context.previousState[s + 1]
            on = previous
            if control > threshold + hysteresis { on = true } else if control < threshold - hysteresis { on = false }
            if on != previous {
                if flips >= Self.chatterLimit {
                    on = previous
                    flips = 0
                } else {
                    flips += 1
                    changed = true
                }
            } else {
                flips = 0
            }
        }
        buffer.state[s] = on ? 1 : 0
        buffer.state[s + 1] = flips
        buffer.state[s + 2] = control
        if changed { buffer.limited += 1 }
        return on
    }
}

extension SwitchLogic {
    /// ngspice's `SWtrunc`: while the control moves towards the switching point `ref` (VT + VH when
    /// off, VT − VH when on), the next step is at most `h·maxChange/lastChange`, with
    /// `maxChange = 0.75·(ref − control) ± 0.05` and `lastChange` the control's change over the step `h`.
    func maximumStep(step h: Double, state: [Double], previousState: [Double], stateBase s: Int) -> Double {
        let control = state[s + 2], lastChange = control - previousState[s + 2]
        if state[s] == 0 {
            let ref = threshold + hysteresis
            if control < ref && lastChange > 0 { return ((ref - control) * 0.75 + 0.05) / lastChange * h }
        } else {
            let ref = threshold - hysteresis
            if control > ref && lastChange < 0 { return ((ref - control) * 0.75 - 0.05) / lastChange * h }
        }
        return .infinity
    }
}

/// A device that bounds the next time step of a transient (ngspice's `DEVtrunc` for switches).
protocol TimeStepLimiting {
    /// The largest next step (s) after a step `h` that led from `previousState` (the last accepted
    /// point) to `state`; `.infinity` for no limit.
    func maximumStep(step h: Double, state: [Double], previousState: [Double]) -> Double
}

/// Voltage-controlled switch `S a b cp cn model`: a conductance between `a` and `b` of `1/RON` when
/// `v(cp) − v(cn)` (V) is above `VT + VH`, `1/ROFF` below `VT − VH`, with hysteresis in between
/// (see `SwitchLogic`). `F_a += g·(v_a − v_b)`; no charge.
struct VoltageSwitch: Device {
    let name: String
    let a: Int, b: Int, controlPositive: Int, controlNegative: Int
    let logic: SwitchLogic
    private var slots = ConductanceSlots()
    private(set) var stateBase = 0

    init(name: String, a: Int, b: Int, controlPositive: Int, controlNegative: Int, logic: SwitchLogic) {
        self.name = name
        self.a = a
        self.b = b
        self.controlPositive = controlPositive
        self.controlNegative = controlNegative
        self.logic = logic
    }

    mutating func reserve(_ reserver: inout SlotReserver) {
        slots = reserver.reservePair(a, b)
        stateBase = reserver.reserveState(SwitchLogic.stateCount)
    }

    func load(_ context: LoadContext, into buffer: inout LoadBuffer) {
        let control = context.v(controlPositive) - context.v(controlNegative)
        let on = logic.decide(control: control, context: context, stateBase: stateBase, into: &buffer)
        let g = on ? logic.onConductance : logic.offConductance
        buffer.addConductance(slots, a, b, g, context)
    }

    var dcPaths: [(Int, Int)] { [(a, b)] }
}

extension VoltageSwitch: TimeStepLimiting {
    func maximumStep(step h: Double, state: [Double], previousState: [Double]) -> Double {
        logic.maximumStep(step: h, state: state, previousState: previousState, stateBase: stateBase)
    }
}
