import Foundation

extension Expression {
    /// Evaluates the expression; `lookup` resolves parameter names (lower case), `pi` is the constant π
    /// unless a parameter of that name exists.
    func evaluate(_ lookup: (String) -> Double?) throws -> Double {
        switch self {
        case .number(let v):
            return v
        case .variable(let name, let location):
            if let v = lookup(name) { return v }
            if let constant = Self.constants[name] { return constant }
            throw NetlistError.undefinedParameter(location, name: name)
        case .unary(let op, let operand):
            let v = try operand.evaluate(lookup)
            switch op {
            case "-": return -v
            case "!": return v == 0 ? 1 : 0
            default: return v
            }
        case .binary(let op, let lhs, let rhs):
            let a = try lhs.evaluate(lookup)
            // Short-circuit logic like C.
            if op == "&&" { return a != 0 ? (try rhs.evaluate(lookup) != 0 ? 1 : 0) : 0 }
            if op == "||" { return a != 0 ? 1 : (try rhs.evaluate(lookup) != 0 ? 1 : 0) }
            let b = try rhs.evaluate(lookup)
            return Self.apply(op, a, b)
        case .conditional(let condition, let yes, let no):
            return try condition.evaluate(lookup) != 0 ? yes.evaluate(lookup) : no.evaluate(lookup)
        case .call(let name, let arguments, let location):
            guard let function = Self.functions[name] else {
                throw NetlistError.badFunctionCall(location, name: name, message: "unknown function")
            }
            guard function.arity.contains(arguments.count) else {
                let expected =
                    function.arity.count == 1
                    ? "\(function.arity.lowerBound)" : "\(function.arity.lowerBound)...\(function.arity.upperBound)"
                throw NetlistError.badFunctionCall(
                    location, name: name, message: "function takes \(expected) argument(s), \(arguments.count) given")
            }
            let values = try arguments.map { try $0.evaluate(lookup) }
            return function.body(values)
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

    /// A built-in function: accepted argument counts and its body.
    struct Function: Sendable {
        var arity: ClosedRange<Int>
        var body: @Sendable ([Double]) -> Double
    }

    private static func unary(_ f: @escaping @Sendable (Double) -> Double) -> Function {
        Function(arity: 1...1) { f($0[0]) }
    }

    /// The built-in functions. `log` is the natural logarithm, as in ngspice; `int` truncates toward zero.
    static let functions: [String: Function] = [
        "exp": unary { Foundation.exp($0) },
        "log": unary { Foundation.log($0) },
        "ln": unary { Foundation.log($0) },
        "log10": unary { Foundation.log10($0) },
        "sqrt": unary { $0.squareRoot() },
        "abs": unary { Swift.abs($0) },
        "sin": unary { Foundation.sin($0) },
        "cos": unary { Foundation.cos($0) },
        "tan": unary { Foundation.tan($0) },
        "asin": unary { Foundation.asin($0) },
        "acos": unary { Foundation.acos($0) },
        "atan": unary { Foundation.atan($0) },
        "sinh": unary { Foundation.sinh($0) },
        "cosh": unary { Foundation.cosh($0) },
        "tanh": unary { Foundation.tanh($0) },
        "floor": unary { Foundation.floor($0) },
        "ceil": unary { Foundation.ceil($0) },
        "int": unary { Foundation.trunc($0) },
        "nint": unary { Foundation.round($0) },
        "sgn": unary { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) },
        "pow": Function(arity: 2...2) { Foundation.pow($0[0], $0[1]) },
        "pwr": Function(arity: 2...2) { Foundation.pow($0[0], $0[1]) },
        "atan2": Function(arity: 2...2) { Foundation.atan2($0[0], $0[1]) },
        "min": Function(arity: 1...64) { $0.min() ?? 0 },
        "max": Function(arity: 1...64) { $0.max() ?? 0 },
    ]
}
