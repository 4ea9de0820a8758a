import Foundation

/// The expression of a behavioural source (`B1 n+ n- V={expr}`, `E1 ... value={expr}`, a `table`,
/// a `POLY(n)`), bound to the flattened circuit: parameters and `.func` calls are replaced by what
/// they stand for, and every circuit quantity the expression reads is one of `controls`.
///
/// The simulator evaluates `f(c₁, …, cₙ)` and its partial derivatives `∂f/∂cₖ` together, in forward
/// mode (dual numbers, `evaluate(_:)`), so that Newton gets the exact Jacobian and `.ac` the exact
/// small-signal gains. Semantics are ngspice-39's B source: `^`, `**` and `pow(a, b)` are `|a|ᵇ`,
/// `pwr(a, b)` is `sgn(a)·|a|ᵇ`, `u(0) = ½`, comparisons and `&& || !` give 1 or 0 with derivative 0,
/// `c ? a : b` (also `if(c, a, b)`, `ternary_fcn(c, a, b)`) differentiates the branch taken.
public struct BehavioralExpression: Sendable, CustomStringConvertible {
    /// A circuit quantity an expression reads.
    public enum Control: Sendable, Hashable, CustomStringConvertible {
        /// `v(node)`: the voltage (V) of a flattened node against ground.
        case voltage(String)
        /// `i(name)`: the branch current (A) of a flattened element that carries one (V, L, E, H or a
        /// voltage-defined behavioural source), positive from its `+` node through it to its `−` node.
        case current(String)
        /// `time`: the transient time (s); 0 in `.op`, `.dc` and `.ac`.
        case time
        /// `temper`: the circuit temperature (°C).
        case temperature

        public var description: String {
            switch self {
            case .voltage(let node): return "v(\(node))"
            case .current(let element): return "i(\(element))"
            case .time: return "time"
            case .temperature: return "temper"
            }
        }
    }

    /// The `POLY(n)` form of an E, F, G or H card, kept so that the card can be written back.
    public struct Polynomial: Sendable {
        /// Per dimension, the flattened controlling node pair (E, G) or source name (F, H).
        public var controls: [[String]]
        /// p0, p1, ... in SPICE2's order.
        public var coefficients: [Double]
    }

    /// The quantities the expression reads, each once, in order of first use.
    public let controls: [Control]
    /// Where the expression starts in the deck.
    public let location: SourceLocation
    /// The card's `POLY(n)` form, when it was written so.
    public let polynomial: Polynomial?
    let root: BehavioralNode

    init(root: BehavioralNode, controls: [Control], location: SourceLocation, polynomial: Polynomial? = nil) {
        self.root = root
        self.controls = controls
        self.location = location
        self.polynomial = polynomial
    }

    /// The expression as text Kelvin's parser reads back to the same function (flattened names,
    /// every number exact, every operation in parentheses).
    public var description: String { root.text(controls) }

    /// The value at `inputs` (one per control, in the order of `controls`) and its partial
    /// derivatives with respect to each input.
    package func evaluate(_ inputs: [Double]) -> (value: Double, partials: [Double]) {
        let d = root.dual(inputs)
        var partials = d.gradient
        if partials.isEmpty { partials = Array(repeating: 0, count: inputs.count) }
        return (d.value, partials)
    }

    /// True when the expression reads neither node voltages nor branch currents.
    public var isIndependentOfCircuit: Bool {
        !controls.contains {
            switch $0 {
            case .voltage, .current: return true
            case .time, .temperature: return false
            }
        }
    }
}

/// A node of a bound behavioural expression.
indirect enum BehavioralNode: Sendable {
    case constant(Double)
    /// The `k`-th control.
    case input(Int)
    /// `−a`, `+a` or `!a`.
    case unary(String, BehavioralNode)
    /// `a op b` with the operators of `Expression` (`^` meaning `|a|ᵇ`).
    case binary(String, BehavioralNode, BehavioralNode)
    case conditional(BehavioralNode, BehavioralNode, BehavioralNode)
    /// A built-in function by name, with its body and partials.
    case call(String, Expression.Function, [BehavioralNode])
    /// Linear interpolation of `x` through the points (`xs` non-decreasing); outside the points the
    /// end segments extend. With `rounding` r > 0 each inner corner `xᵢ` is rounded by a parabola
    /// over `|x − xᵢ| < δ = r·min(xᵢ − xᵢ₋₁, xᵢ₊₁ − xᵢ)` (see `interpolate`).
    case piecewiseLinear(BehavioralNode, xs: [Double], ys: [Double], rounding: Double)

    var constantValue: Double? {
        if case .constant(let v) = self { return v }
        return nil
    }
}

/// A value with its gradient with respect to the expression's inputs; an empty gradient is zero.
struct Dual {
    var value: Double
    var gradient: [Double] = []

    /// `gradient += a·other` (a no-op for a zero `other`).
    mutating func accumulate(_ a: Double, _ other: [Double]) {
        guard !other.isEmpty else { return }
        if gradient.isEmpty {
            gradient = other.map { a * $0 }
        } else {
            for k in gradient.indices { gradient[k] += a * other[k] }
        }
    }
}

extension BehavioralNode {
    /// Forward-mode evaluation: the value and `∂/∂inputₖ`.
    ///
    /// Rules (`a′` the gradient of `a`): `(a ± b)′ = a′ ± b′`, `(a·b)′ = a′·b + a·b′`,
    /// `(a/b)′ = (a′ − (a/b)·b′)/b`, `fmod(a, b)′ = a′ − trunc(a/b)·b′`, `f(a₁…aₙ)′ = Σ ∂f/∂aᵢ·aᵢ′`
    /// (the partials of `Expression.Function`), `pwl(x)′ = slope·x′`; comparisons, logic and
    /// steps have gradient 0; a conditional takes the gradient of the branch chosen.
    func dual(_ inputs: [Double]) -> Dual {
        switch self {
        case .constant(let v):
            return Dual(value: v)
        case .input(let k):
            var g = [Double](repeating: 0, count: inputs.count)
            g[k] = 1
            return Dual(value: inputs[k], gradient: g)
        case .unary(let op, let operand):
            let a = operand.dual(inputs)
            switch op {
            case "-": return Dual(value: -a.value, gradient: a.gradient.map { -$0 })
            case "!": return Dual(value: a.value == 0 ? 1 : 0)
            default: return a
            }
        case .binary(let op, let lhs, let rhs):
            let a = lhs.dual(inputs)
            if op == "&&" { return Dual(value: a.value != 0 && rhs.dual(inputs).value != 0 ? 1 : 0) }
            if op == "||" { return Dual(value: a.value != 0 || rhs.dual(inputs).value != 0 ? 1 : 0) }
            let b = rhs.dual(inputs)
            var r = Dual(value: 0)
            switch op {
            case "+":
                r.value = a.value + b.value
                r.accumulate(1, a.gradient)
                r.accumulate(1, b.gradient)
            case "-":
                r.value = a.value - b.value
                r.accumulate(1, a.gradient)
                r.accumulate(-1, b.gradient)
            case "*":
                r.value = a.value * b.value
                r.accumulate(b.value, a.gradient)
                r.accumulate(a.value, b.gradient)
            case "/":
                r.value = a.value / b.value
                r.accumulate(1 / b.value, a.gradient)
                r.accumulate(-r.value / b.value, b.gradient)
            case "%":
                r.value = fmod(a.value, b.value)
                r.accumulate(1, a.gradient)
                r.accumulate(-(a.value / b.value).rounded(.towardZero), b.gradient)
            case "^":
                return Self.apply(Expression.absolutePower, [a, b])
            default:
                r.value = Expression.apply(op, a.value, b.value)
            }
            return r
        case .conditional(let condition, let yes, let no):
            return condition.dual(inputs).value != 0 ? yes.dual(inputs) : no.dual(inputs)
        case .call(_, let function, let arguments):
            return Self.apply(function, arguments.map { $0.dual(inputs) })
        case .piecewiseLinear(let argument, let xs, let ys, let rounding):
            let x = argument.dual(inputs)
            let (value, slope) = Self.interpolate(x.value, xs: xs, ys: ys, rounding: rounding)
            var r = Dual(value: value)
            r.accumulate(slope, x.gradient)
            return r
        }
    }

    /// `f` at the arguments' values, with the chain rule over the arguments that depend on inputs.
    static func apply(_ function: Expression.Function, _ arguments: [Dual]) -> Dual {
        let values = arguments.map(\.value)
        var r = Dual(value: function.body(values))
        guard arguments.contains(where: { !$0.gradient.isEmpty }) else { return r }
        let partials = function.partials(values)
        for (p, a) in zip(partials, arguments) where !a.gradient.isEmpty { r.accumulate(p, a.gradient) }
        return r
    }

    /// The interpolated value and slope at `x`; `xs` is non-decreasing and not empty.
    ///
    /// Within `δ` of an inner corner `xᵢ` where the slope changes from `s₁` to `s₂` (rounding `r`,
    /// `δ = r·min(xᵢ − xᵢ₋₁, xᵢ₊₁ − xᵢ)`) the value is the parabola
    /// `yᵢ + s₁·(x − xᵢ) + (s₂ − s₁)·(x − xᵢ + δ)²/(4δ)`, which meets both lines with their slopes at
    /// `xᵢ ∓ δ` (ngspice's XSPICE `pwl` model, which runs an E/G `table`, with r = 0.1).
    static func interpolate(_ x: Double, xs: [Double], ys: [Double], rounding: Double) -> (Double, Double) {
        let n = xs.count
        guard n > 1 else { return (ys[0], 0) }
        // The segment [xs[lo], xs[hi]] holding x (the first or last one outside the points).
        var lo = 0, hi = n - 1
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if xs[mid] > x { hi = mid } else { lo = mid }
        }
        func slope(_ k: Int) -> Double {
            let dx = xs[k + 1] - xs[k]
            return dx > 0 ? (ys[k + 1] - ys[k]) / dx : 0
        }
        if rounding > 0 {
            for i in [lo, hi] where i > 0 && i < n - 1 {
                let delta = rounding * Swift.min(xs[i] - xs[i - 1], xs[i + 1] - xs[i])
                guard delta > 0, Swift.abs(x - xs[i]) < delta else { continue }
                let (s1, s2) = (slope(i - 1), slope(i))
                let u = x - xs[i] + delta
                return (ys[i] + s1 * (x - xs[i]) + (s2 - s1) * u * u / (4 * delta), s1 + (s2 - s1) * u / (2 * delta))
            }
        }
        guard xs[hi] > xs[lo] else { return (ys[hi], 0) }
        let s = slope(lo)
        return (ys[lo] + s * (x - xs[lo]), s)
    }

    /// An E/G `table` through `(xs, ys)` as ngspice-39 computes it: the points padded with one
    /// more at each end, a segment's length farther out with the end value (so the table is flat
    /// outside its points), every corner rounded over a tenth of the shorter segment beside it.
    static func table(_ x: BehavioralNode, xs: [Double], ys: [Double]) -> BehavioralNode {
        let n = xs.count
        guard n > 1 else { return .constant(ys[0]) }
        let padded = [xs[0] - (xs[1] - xs[0])] + xs + [xs[n - 1] + (xs[n - 1] - xs[n - 2])]
        return .piecewiseLinear(x, xs: padded, ys: [ys[0]] + ys + [ys[n - 1]], rounding: tableRounding)
    }

    /// The corner rounding of an E/G `table` (ngspice-39: `input_domain=0.1 fraction=TRUE`).
    static let tableRounding = 0.1

    /// Parseable text (see `BehavioralExpression.description`).
    func text(_ controls: [BehavioralExpression.Control]) -> String {
        func number(_ v: Double) -> String {
            let t = NetlistWriter.number(v)
            return v < 0 ? "(\(t))" : t
        }
        switch self {
        case .constant(let v): return number(v)
        case .input(let k): return controls[k].description
        case .unary(let op, let a): return "(\(op)\(a.text(controls)))"
        case .binary(let op, let a, let b): return "(\(a.text(controls)) \(op) \(b.text(controls)))"
        case .conditional(let c, let a, let b):
            return "(\(c.text(controls)) ? \(a.text(controls)) : \(b.text(controls)))"
        case .call(let name, _, let arguments):
            return "\(name)(" + arguments.map { $0.text(controls) }.joined(separator: ", ") + ")"
        case .piecewiseLinear(let x, var xs, var ys, let rounding):
            // A table is written with its own points (without the padding) as `table(x, ...)`.
            var name = "pwl"
            if rounding > 0 {
                name = "table"
                xs = Array(xs.dropFirst().dropLast())
                ys = Array(ys.dropFirst().dropLast())
            }
            let points = zip(xs, ys).map { "\(number($0)), \(number($1))" }.joined(separator: ", ")
            return "\(name)(\(x.text(controls)), \(points))"
        }
    }

    /// The argument and points of a node that is an E/G `table`, nil for any other node.
    var tableForm: (argument: BehavioralNode, points: [(Double, Double)])? {
        guard case .piecewiseLinear(let x, let xs, let ys, let rounding) = self, rounding > 0 else { return nil }
        return (x, Array(zip(xs.dropFirst().dropLast(), ys.dropFirst().dropLast())))
    }
}

/// Binds parsed behavioural expressions to the flattened circuit (see `BehavioralExpression`).
struct BehavioralBinder {
    /// A parameter's value visible where the source is.
    var parameter: (String) -> Double?
    /// A `.func` visible where the source is.
    var userFunction: (String) -> Expression.UserFunction?
    /// The flattened node of a node name as written.
    var node: (String) -> String
    /// The flattened element name of an element name as written.
    var element: (String) -> String
    private(set) var controls: [BehavioralExpression.Control] = []
    private var indices: [BehavioralExpression.Control: Int] = [:]

    init(
        parameter: @escaping (String) -> Double?, userFunction: @escaping (String) -> Expression.UserFunction?,
        node: @escaping (String) -> String, element: @escaping (String) -> String
    ) {
        self.parameter = parameter
        self.userFunction = userFunction
        self.node = node
        self.element = element
    }

    /// The input node of `control`, adding it on first use.
    mutating func input(_ control: BehavioralExpression.Control) -> BehavioralNode {
        if let k = indices[control] { return .input(k) }
        indices[control] = controls.count
        controls.append(control)
        return .input(controls.count - 1)
    }

    /// The voltage of node `name` as written (ground is the constant 0).
    mutating func voltage(_ name: String) -> BehavioralNode {
        let n = node(name)
        return n == "0" ? .constant(0) : input(.voltage(n))
    }

    /// Binds `e`; `arguments` are the parameters of the `.func` being expanded. Constant
    /// sub-expressions are folded.
    mutating func bind(_ e: Expression, arguments: [String: BehavioralNode] = [:], depth: Int = 0) throws
        -> BehavioralNode
    {
        func sub(_ e: Expression) throws -> BehavioralNode { try bind(e, arguments: arguments, depth: depth) }
        switch e {
        case .number(let v):
            return .constant(v)
        case .variable(let name, let location):
            if let bound = arguments[name] { return bound }
            if name == "time" { return input(.time) }
            if name == "temper" { return input(.temperature) }
            if let v = parameter(name) { return .constant(v) }
            if let c = Expression.behavioralConstants[name] { return .constant(c) }
            throw NetlistError.undefinedParameter(location, name: name)
        case .probe(let kind, let names, _):
            if kind == "i" { return input(.current(element(names[0]))) }
            let a = voltage(names[0])
            guard names.count == 2 else { return a }
            return Self.fold(.binary("-", a, voltage(names[1])))
        case .unary(let op, let operand):
            return Self.fold(.unary(op, try sub(operand)))
        case .binary(let op, let lhs, let rhs):
            return Self.fold(.binary(op, try sub(lhs), try sub(rhs)))
        case .conditional(let c, let yes, let no):
            let condition = try sub(c)
            if let v = condition.constantValue { return v != 0 ? try sub(yes) : try sub(no) }
            return .conditional(condition, try sub(yes), try sub(no))
        case .call(let name, let args, let location):
            if let user = userFunction(name) {
                try user.checkCall(name, arguments: args.count, depth: depth, at: location)
                var bound: [String: BehavioralNode] = [:]
                for (p, a) in zip(user.parameters, args) where bound[p] == nil { bound[p] = try sub(a) }
                return try bind(user.body, arguments: bound, depth: depth + 1)
            }
            if Expression.conditionalNames.contains(name) {
                guard args.count == 3 else {
                    throw NetlistError.badFunctionCall(
                        location, name: name, message: "function takes 3 argument(s), \(args.count) given")
                }
                return try sub(.conditional(args[0], args[1], args[2]))
            }
            if name == "pwl" || name == "table" {
                return try piecewiseLinear(name, args, location: location, arguments: arguments, depth: depth)
            }
            guard let function = Expression.behavioralFunctions[name] else {
                throw NetlistError.badFunctionCall(location, name: name, message: "unknown function")
            }
            guard function.arity.contains(args.count) else {
                let arity = function.arity
                let expected = arity.count == 1 ? "\(arity.lowerBound)" : "\(arity.lowerBound)...\(arity.upperBound)"
                throw NetlistError.badFunctionCall(
                    location, name: name, message: "function takes \(expected) argument(s), \(args.count) given")
            }
            return Self.fold(.call(name, function, try args.map(sub)))
        }
    }

    /// ngspice's B-source `pwl(x, x1, y1, x2, y2, ...)` (outside the points the end segments
    /// extend), or Kelvin's `table(x, x1, y1, ...)`, an E/G `table` inside an expression; the
    /// points must be constants with non-decreasing x.
    mutating func piecewiseLinear(
        _ name: String, _ args: [Expression], location: SourceLocation, arguments: [String: BehavioralNode], depth: Int
    ) throws -> BehavioralNode {
        guard args.count >= 3, args.count % 2 == 1 else {
            throw NetlistError.badFunctionCall(
                location, name: name,
                message: "\(name) takes an argument and pairs of points x, y (\(args.count) given)")
        }
        let x = try bind(args[0], arguments: arguments, depth: depth)
        var values: [Double] = []
        for a in args.dropFirst() {
            guard let v = try bind(a, arguments: arguments, depth: depth).constantValue else {
                throw NetlistError.badFunctionCall(
                    location, name: name, message: "the points of \(name) must be constants (parameters and numbers)")
            }
            values.append(v)
        }
        let xs = stride(from: 0, to: values.count, by: 2).map { values[$0] }
        let ys = stride(from: 1, to: values.count, by: 2).map { values[$0] }
        try Self.checkPoints(xs, location: location, token: name)
        if name == "table" { return BehavioralNode.table(x, xs: xs, ys: ys) }
        return .piecewiseLinear(x, xs: xs, ys: ys, rounding: 0)
    }

    /// Throws unless `xs` is non-decreasing.
    static func checkPoints(_ xs: [Double], location: SourceLocation, token: String) throws {
        for k in xs.indices.dropFirst() where xs[k] < xs[k - 1] {
            throw NetlistError.invalidExpression(
                location, token: token,
                message: "x values must not decrease "
                    + "(\(NetlistWriter.number(xs[k - 1])) then \(NetlistWriter.number(xs[k])))")
        }
    }

    /// `node` with constant operands evaluated.
    static func fold(_ node: BehavioralNode) -> BehavioralNode {
        switch node {
        case .unary(_, let a) where a.constantValue != nil:
            return .constant(node.dual([]).value)
        case .binary(_, let a, let b) where a.constantValue != nil && b.constantValue != nil:
            return .constant(node.dual([]).value)
        case .call(_, _, let args) where args.allSatisfy({ $0.constantValue != nil }):
            return .constant(node.dual([]).value)
        default:
            return node
        }
    }

    /// The bound expression with the controls collected so far.
    func expression(
        _ root: BehavioralNode, location: SourceLocation, polynomial: BehavioralExpression.Polynomial? = nil
    ) -> BehavioralExpression {
        BehavioralExpression(root: root, controls: controls, location: location, polynomial: polynomial)
    }
}
