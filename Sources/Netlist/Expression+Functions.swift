import Foundation

extension Expression {
    /// Evaluates the expression; `lookup` resolves parameter names (lower case), `pi` is the constant π
    /// unless a parameter of that name exists; `functions` resolves `.func` definitions, which take
    /// precedence over the built-in functions.
    func evaluate(
        _ lookup: (String) -> Double?, functions: (String) -> UserFunction? = { _ in nil }, depth: Int = 0
    ) throws -> Double {
        func sub(_ e: Expression) throws -> Double { try e.evaluate(lookup, functions: functions, depth: depth) }
        switch self {
        case .number(let v):
            return v
        case .variable(let name, let location):
            if let v = lookup(name) { return v }
            if let constant = Self.constants[name] { return constant }
            throw NetlistError.undefinedParameter(location, name: name)
        case .unary(let op, let operand):
            let v = try sub(operand)
            switch op {
            case "-": return -v
            case "!": return v == 0 ? 1 : 0
            default: return v
            }
        case .binary(let op, let lhs, let rhs):
            let a = try sub(lhs)
            // Short-circuit logic like C.
            if op == "&&" { return a != 0 ? (try sub(rhs) != 0 ? 1 : 0) : 0 }
            if op == "||" { return a != 0 ? 1 : (try sub(rhs) != 0 ? 1 : 0) }
            let b = try sub(rhs)
            return Self.apply(op, a, b)
        case .conditional(let condition, let yes, let no):
            return try sub(condition) != 0 ? sub(yes) : sub(no)
        case .probe(let kind, _, let location):
            throw NetlistError.badFunctionCall(
                location, name: kind,
                message: "\(kind)() reads the circuit: only a behavioural source (B, E/G value=) may use it")
        case .call(let name, let arguments, let location) where Self.conditionalNames.contains(name):
            guard arguments.count == 3 else {
                throw NetlistError.badFunctionCall(
                    location, name: name, message: "function takes 3 argument(s), \(arguments.count) given")
            }
            return try sub(arguments[0]) != 0 ? sub(arguments[1]) : sub(arguments[2])
        case .call(let name, let arguments, let location):
            if let user = functions(name) {
                try user.checkCall(name, arguments: arguments.count, depth: depth, at: location)
                let values = try arguments.map(sub)
                let bound = Dictionary(zip(user.parameters, values), uniquingKeysWith: { first, _ in first })
                return try user.body.evaluate({ bound[$0] ?? lookup($0) }, functions: functions, depth: depth + 1)
            }
            guard let function = Self.functions[name] else {
                if name == "v" || name == "i" {
                    throw NetlistError.badFunctionCall(
                        location, name: name,
                        message: "\(name)() reads the circuit: only a behavioural source (B, E/G value=) may use it")
                }
                throw NetlistError.badFunctionCall(location, name: name, message: "unknown function")
            }
            guard function.arity.contains(arguments.count) else {
                let expected =
                    function.arity.count == 1
                    ? "\(function.arity.lowerBound)" : "\(function.arity.lowerBound)...\(function.arity.upperBound)"
                throw NetlistError.badFunctionCall(
                    location, name: name, message: "function takes \(expected) argument(s), \(arguments.count) given")
            }
            let values = try arguments.map(sub)
            return function.body(values)
        }
    }

    /// A `.func name(a, b) {expr}` definition.
    struct UserFunction: Sendable {
        var name: String
        var parameters: [String]
        var body: Expression
        var location: SourceLocation

        /// Refuses a call with the wrong number of arguments, or nested past 64 calls (a recursive
        /// `.func`), at the call's location.
        func checkCall(_ name: String, arguments: Int, depth: Int, at location: SourceLocation) throws {
            guard arguments == parameters.count else {
                throw NetlistError.badFunctionCall(
                    location, name: name, message: "function takes \(parameters.count) argument(s), \(arguments) given")
            }
            guard depth < 64 else {
                throw NetlistError.badFunctionCall(
                    location, name: name, message: "function calls nested too deeply (recursive .func?)")
            }
        }
    }

    /// Binary arithmetic and comparison operators.
    static func apply(_ op: String, _ a: Double, _ b: Double) -> Double {
        switch op {
        case "+": return a + b
        case "-": return a - b
        case "*": return a * b
        case "/": return a / b
        case "%": return fmod(a, b)
        case "^": return pow(a, b)
        case "==": return a == b ? 1 : 0
        case "!=": return a != b ? 1 : 0
        case "<": return a < b ? 1 : 0
        case "<=": return a <= b ? 1 : 0
        case ">": return a > b ? 1 : 0
        case ">=": return a >= b ? 1 : 0
        default: return .nan
        }
    }

    /// Named constants available in every expression.
    static let constants: [String: Double] = ["pi": Double.pi]

    /// Calls evaluated as `c ? a : b` (only the chosen branch is evaluated): ngspice's
    /// `ternary_fcn(c, a, b)` and `if(c, a, b)` (HSPICE's and LTspice's name; not in ngspice-39).
    static let conditionalNames: Set<String> = ["if", "ternary_fcn"]

    /// A built-in function: accepted argument counts, its body and its partial derivatives.
    struct Function: Sendable {
        var arity: ClosedRange<Int>
        var body: @Sendable ([Double]) -> Double
        /// `∂f/∂aᵢ` for each argument `aᵢ` at the arguments (0 where `f` is flat or a step).
        var partials: @Sendable ([Double]) -> [Double]
    }

    /// A one-argument function `f` with derivative `df`.
    private static func unary(
        _ f: @escaping @Sendable (Double) -> Double, _ df: @escaping @Sendable (Double) -> Double
    ) -> Function {
        Function(arity: 1...1, body: { f($0[0]) }, partials: { [df($0[0])] })
    }

    /// A piecewise-constant one-argument function (derivative 0 everywhere it exists).
    private static func step(_ f: @escaping @Sendable (Double) -> Double) -> Function {
        unary(f) { _ in 0 }
    }

    /// A two-argument function `f(a, b)` with partials `(∂f/∂a, ∂f/∂b)`.
    private static func binary(
        _ f: @escaping @Sendable (Double, Double) -> Double,
        _ df: @escaping @Sendable (Double, Double) -> (Double, Double)
    ) -> Function {
        Function(
            arity: 2...2, body: { f($0[0], $0[1]) },
            partials: {
                let (da, db) = df($0[0], $0[1])
                return [da, db]
            })
    }

    /// `sgn(x)`: 1, −1 or 0.
    static func sign(_ x: Double) -> Double { x > 0 ? 1 : (x < 0 ? -1 : 0) }

    /// ngspice's unit step `u(x)`: 0 below zero, 1 above, ½ at zero.
    static func unitStep(_ x: Double) -> Double { x < 0 ? 0 : (x > 0 ? 1 : 0.5) }

    /// `aᵇ` as C's `pow` (negative `a` only with an integer `b`), with `∂/∂a = b·aᵇ⁻¹` and
    /// `∂/∂b = aᵇ·ln a`.
    static let power = binary({ Foundation.pow($0, $1) }) { a, b in
        (b == 0 ? 0 : b * Foundation.pow(a, b - 1), Foundation.pow(a, b) * Foundation.log(a))
    }

    /// `|a|ᵇ`: ngspice-39's `^`, `**` and `pow` in a B source; `∂/∂a = b·|a|ᵇ⁻¹·sgn(a)`,
    /// `∂/∂b = |a|ᵇ·ln|a|`.
    static let absolutePower = binary({ Foundation.pow(Swift.abs($0), $1) }) { a, b in
        let m = Swift.abs(a)
        return (b == 0 ? 0 : b * Foundation.pow(m, b - 1) * sign(a), Foundation.pow(m, b) * Foundation.log(m))
    }

    /// `sgn(a)·|a|ᵇ`: ngspice-39's `pwr` in a B source, and `pwrs` (HSPICE's name; not in
    /// ngspice-39); `∂/∂a = b·|a|ᵇ⁻¹`, `∂/∂b = sgn(a)·|a|ᵇ·ln|a|`.
    static let signedPower = binary({ sign($0) * Foundation.pow(Swift.abs($0), $1) }) { a, b in
        let m = Swift.abs(a)
        return (b == 0 ? 0 : b * Foundation.pow(m, b - 1), sign(a) * Foundation.pow(m, b) * Foundation.log(m))
    }

    /// `limit(x, lo, hi)`: `x` clamped to `[lo, hi]` (`lo` below, `hi` above); the partial is 1
    /// for the argument that is returned. (ngspice-39 evaluates `limit` wrongly: `limit(3, -1, 1)`
    /// gives 2, and 0 for any argument that reads the circuit.)
    static let limit = Function(
        arity: 3...3,
        body: { a in a[0] < a[1] ? a[1] : (a[0] > a[2] ? a[2] : a[0]) },
        partials: { a in a[0] < a[1] ? [0, 1, 0] : (a[0] > a[2] ? [0, 0, 1] : [1, 0, 0]) })

    /// `min`/`max` of any number of arguments; the partial is 1 for the (first) argument returned.
    private static func extremum(_ better: @escaping @Sendable (Double, Double) -> Bool) -> Function {
        @Sendable func index(_ a: [Double]) -> Int {
            var k = 0
            for i in a.indices.dropFirst() where better(a[i], a[k]) { k = i }
            return k
        }
        return Function(
            arity: 1...64, body: { a in a[index(a)] },
            partials: { a in
                var p = [Double](repeating: 0, count: a.count)
                p[index(a)] = 1
                return p
            })
    }

    /// The built-in functions. `log` is the natural logarithm, as in ngspice; `int` truncates toward
    /// zero; `nint` rounds halves to even (ngspice-39's `.param` and B source: `nint(2.5)` is 2).
    /// Derivatives are exact where the function is smooth; steps and roundings have derivative 0.
    static let functions: [String: Function] = [
        "exp": unary({ Foundation.exp($0) }, { Foundation.exp($0) }),
        "log": unary({ Foundation.log($0) }, { 1 / $0 }),
        "ln": unary({ Foundation.log($0) }, { 1 / $0 }),
        "log10": unary({ Foundation.log10($0) }, { 1 / ($0 * M_LN10) }),
        "sqrt": unary({ $0.squareRoot() }, { 0.5 / $0.squareRoot() }),
        "abs": unary({ Swift.abs($0) }, { sign($0) }),
        "sin": unary({ Foundation.sin($0) }, { Foundation.cos($0) }),
        "cos": unary({ Foundation.cos($0) }, { -Foundation.sin($0) }),
        "tan": unary({ Foundation.tan($0) }, { 1 / (Foundation.cos($0) * Foundation.cos($0)) }),
        "asin": unary({ Foundation.asin($0) }, { 1 / (1 - $0 * $0).squareRoot() }),
        "acos": unary({ Foundation.acos($0) }, { -1 / (1 - $0 * $0).squareRoot() }),
        "atan": unary({ Foundation.atan($0) }, { 1 / (1 + $0 * $0) }),
        "sinh": unary({ Foundation.sinh($0) }, { Foundation.cosh($0) }),
        "cosh": unary({ Foundation.cosh($0) }, { Foundation.sinh($0) }),
        "tanh": unary({ Foundation.tanh($0) }, { 1 - Foundation.tanh($0) * Foundation.tanh($0) }),
        "asinh": unary({ Foundation.asinh($0) }, { 1 / ($0 * $0 + 1).squareRoot() }),
        "acosh": unary({ Foundation.acosh($0) }, { 1 / ($0 * $0 - 1).squareRoot() }),
        "atanh": unary({ Foundation.atanh($0) }, { 1 / (1 - $0 * $0) }),
        "floor": step { Foundation.floor($0) },
        "ceil": step { Foundation.ceil($0) },
        "int": step { Foundation.trunc($0) },
        "nint": step { Foundation.rint($0) },
        "sgn": step { sign($0) },
        "u": step { unitStep($0) },
        "u2": unary({ Swift.min(Swift.max($0, 0), 1) }, { $0 > 0 && $0 <= 1 ? 1 : 0 }),
        "uramp": unary({ Swift.max($0, 0) }, { unitStep($0) }),
        "eq0": step { $0 == 0 ? 1 : 0 },
        "ne0": step { $0 != 0 ? 1 : 0 },
        "gt0": step { $0 > 0 ? 1 : 0 },
        "lt0": step { $0 < 0 ? 1 : 0 },
        "ge0": step { $0 >= 0 ? 1 : 0 },
        "le0": step { $0 <= 0 ? 1 : 0 },
        "pow": power,
        "pwr": power,
        "pwrs": signedPower,
        "limit": limit,
        "atan2": binary({ Foundation.atan2($0, $1) }) { y, x in (x / (x * x + y * y), -y / (x * x + y * y)) },
        "min": extremum { $0 < $1 },
        "max": extremum { $0 > $1 },
    ]

    /// The functions of a behavioural source: `functions` with ngspice-39's B-source meanings
    /// where they differ from its `.param` ones: `pow(a, b)` is `|a|ᵇ`, `pwr(a, b)` is `sgn(a)·|a|ᵇ`.
    static let behavioralFunctions: [String: Function] = functions.merging(
        ["pow": absolutePower, "pwr": signedPower], uniquingKeysWith: { _, override in override })

    /// Constants of a behavioural source (a parameter of the same name wins): `pi` and `e`, as ngspice's B source.
    static let behavioralConstants: [String: Double] = ["pi": Double.pi, "e": M_E]
}
