import Netlist

/// What a behavioural source reads: the unknown behind each control of its expression, and the
/// evaluation of the expression with its partial derivatives at an iterate.
///
/// `v(node)` reads the node's voltage (V), `i(name)` the element's branch current (A), `time` the
/// transient time of the load (s; 0 in `.op`, `.dc`, `.ac`) and `temper` the circuit temperature (°C).
struct BehavioralInputs: Sendable {
    let expression: BehavioralExpression
    /// Per control: the unknown it reads, or `groundIndex` for `time` and `temper` (no Jacobian column).
    let unknowns: [Int]
    /// The circuit temperature (°C).
    let temperature: Double

    /// `f` and `∂f/∂cₖ` at the iterate of `context`. A partial that is not finite (the slope of
    /// `sqrt(x)` or `x^0.5` at 0, where Newton often starts) is loaded as 0 for that iteration:
    /// the residual `f` stays exact, so a converged solution is unchanged (ngspice stops there
    /// with "out of range for pow"). A value that is not finite fails Newton as usual.
    func evaluate(_ context: LoadContext) -> (value: Double, partials: [Double]) {
        var inputs = [Double](repeating: 0, count: unknowns.count)
        for (k, control) in expression.controls.enumerated() {
            switch control {
            case .voltage, .current: inputs[k] = context.v(unknowns[k])
            case .time: inputs[k] = context.time
            case .temperature: inputs[k] = temperature
            }
        }
        var result = expression.evaluate(inputs)
        for k in result.partials.indices where !result.partials[k].isFinite { result.partials[k] = 0 }
        return result
    }
}
