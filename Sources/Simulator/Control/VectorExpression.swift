import Foundation
import Netlist

/// An expression of ngspice's front end over the vectors of a plot: `v(out)*2`, `vdb(out)`,
/// `v(a,b)`, `i(v1)`, `mean(v(out))`, `x[1]`, numbers with SPICE suffixes.
///
/// Arithmetic is element-wise on real or complex vectors; a one-element vector stands for a scalar.
/// Functions: `v i` (node voltage, branch current), `vm vdb vp vr vi` and `im idb ip ir ii`
/// (magnitude, 20·log10|x|, phase in radians, real and imaginary part), `mag abs db ph phase cph
/// real re imag im sqrt exp ln log log10 sin cos tan atan mean length vecmax vecmin`. As in
/// ngspice's front end, `log` is the base-10 logarithm and `ln` the natural one.
indirect enum VectorExpression: Sendable, Equatable {
    case number(Double)
    /// A vector name as written (`a`, `time`, `v1#branch`, `out`).
    case name(String)
    /// `v(node)`, `v(a,b)`, `i(src)` and their `vm`... forms: the function and its raw arguments.
    case probe(String, [String])
    case call(String, VectorExpression)
    case unary(Character, VectorExpression)
    case binary(String, VectorExpression, VectorExpression)
    case index(VectorExpression, VectorExpression)

    /// Probe functions whose argument is a node or source name rather than an expression.
    static let probes: Set<String> = ["v", "i", "vm", "vdb", "vp", "vr", "vi", "im", "idb", "ip", "ir", "ii"]
}

/// A value: a real or complex vector.
struct VectorValue: Sendable {
    var re: [Double]
    var im: [Double]?

    init(re: [Double], im: [Double]? = nil) {
        self.re = re
        self.im = im
    }

    init(_ v: ControlVector) {
        re = v.re
        im = v.im
    }

    var count: Int { re.count }
    var imaginary: [Double] { im ?? Array(repeating: 0, count: re.count) }
    var magnitude: [Double] { zip(re, imaginary).map { hypot($0, $1) } }
    var phase: [Double] { zip(re, imaginary).map { atan2($1, $0) } }
}

/// Parses and evaluates `VectorExpression`s; every error names the text.
struct VectorParser {
    let text: [Character]
    var i = 0

    init(_ text: String) {
        self.text = Array(text)
    }

    struct Failure: Error {
        var message: String
    }

    /// Parses a list of expressions separated by whitespace (`v(a) v(b)*2`); each with its text.
    static func list(_ text: String) throws -> [(text: String, expression: VectorExpression)] {
        var p = VectorParser(text)
        var result: [(String, VectorExpression)] = []
        p.skipSpace()
        while p.i < p.text.count {
            let start = p.i
            let e = try p.expression(0)
            let written = String(p.text[start..<p.i]).filter { !$0.isWhitespace }
            result.append((written, e))
            p.skipSpace()
            if p.i < p.text.count, p.text[p.i] == "," {
                p.i += 1
                p.skipSpace()
            }
        }
        return result
    }

    /// Parses one whole expression.
    static func single(_ text: String) throws -> VectorExpression {
        var p = VectorParser(text)
        p.skipSpace()
        let e = try p.expression(0)
        p.skipSpace()
        guard p.i == p.text.count else { throw Failure(message: "unexpected '\(String(p.text[p.i...]))' in '\(text)'") }
        return e
    }

    mutating func skipSpace() {
        while i < text.count, text[i].isWhitespace { i += 1 }
    }

    static let precedence: [String: Int] = [
        "||": 1, "&&": 2, "==": 3, "!=": 3, "<>": 3, "<": 4, ">": 4, "<=": 4, ">=": 4, "+": 5, "-": 5, "*": 6,
        "/": 6, "%": 6, "^": 8, "**": 8,
    ]

    /// Precedence climbing; an operand followed by whitespace and another operand ends the expression.
    mutating func expression(_ minimum: Int) throws -> VectorExpression {
        var left = try unary()
        while true {
            let save = i
            skipSpace()
            guard let op = peekOperator(), let p = Self.precedence[op], p >= minimum else {
                i = save
                return left
            }
            // `a -b` after whitespace is still subtraction, as ngspice reads it.
            i += op.count
            skipSpace()
            let right = try expression(op == "^" || op == "**" ? p : p + 1)
            left = .binary(op == "**" ? "^" : op, left, right)
        }
    }

    func peekOperator() -> String? {
        guard i < text.count else { return nil }
        let two = i + 1 < text.count ? String(text[i...i + 1]) : ""
        if ["**", "<=", ">=", "==", "!=", "<>", "&&", "||"].contains(two) { return two }
        let one = String(text[i])
        return ["+", "-", "*", "/", "%", "^", "<", ">"].contains(one) ? one : nil
    }

    mutating func unary() throws -> VectorExpression {
        skipSpace()
        guard i < text.count else { throw Failure(message: "expression ends early") }
        if text[i] == "-" || text[i] == "+" {
            let c = text[i]
            i += 1
            let operand = try unary()
            return c == "-" ? .unary("-", operand) : operand
        }
        var e = try primary()
        while i < text.count, text[i] == "[" {
            i += 1
            let index = try expression(0)
            skipSpace()
            guard i < text.count, text[i] == "]" else { throw Failure(message: "missing ']'") }
            i += 1
            e = .index(e, index)
        }
        return e
    }

    static func isNameCharacter(_ c: Character) -> Bool {
        c.isLetter || c.isNumber || c == "_" || c == "#" || c == "." || c == "@" || c == "$" || c == "&"
    }

    mutating func primary() throws -> VectorExpression {
        let c = text[i]
        if c == "(" {
            i += 1
            let e = try expression(0)
            skipSpace()
            guard i < text.count, text[i] == ")" else { throw Failure(message: "missing ')'") }
            i += 1
            return e
        }
        if c.isNumber || (c == "." && i + 1 < text.count && text[i + 1].isNumber) {
            let start = i
            while i < text.count, text[i].isNumber || text[i] == "." { i += 1 }
            if i < text.count, text[i] == "e" || text[i] == "E", i + 1 < text.count,
                text[i + 1].isNumber || ((text[i + 1] == "-" || text[i + 1] == "+") && i + 2 < text.count
                    && text[i + 2].isNumber)
            {
                i += 2
                while i < text.count, text[i].isNumber { i += 1 }
            }
            while i < text.count, text[i].isLetter { i += 1 }
            let word = String(text[start..<i])
            guard let v = SpiceNumber.parse(word) else { throw Failure(message: "bad number '\(word)'") }
            return .number(v)
        }
        guard Self.isNameCharacter(c) else { throw Failure(message: "unexpected '\(c)'") }
        let start = i
        while i < text.count, Self.isNameCharacter(text[i]) { i += 1 }
        var word = String(text[start..<i]).lowercased()
        // `v-sweep` / `i-sweep` / `temp-sweep` are names, not subtractions.
        if word == "v" || word == "i" || word == "temp", String(text[i...].prefix(6)).lowercased() == "-sweep" {
            i += 6
            word += "-sweep"
        }
        if i < text.count, text[i] == "(" {
            // `ac1.v(out)`: a probe of another plot.
            let probe = word.split(separator: ".").last.map(String.init) ?? word
            if VectorExpression.probes.contains(probe) {
                i += 1
                let argStart = i
                while i < text.count, text[i] != ")" { i += 1 }
                guard i < text.count else { throw Failure(message: "missing ')' after \(word)(") }
                let args = String(text[argStart..<i]).split(separator: ",").map {
                    $0.trimmingCharacters(in: .whitespaces).lowercased()
                }
                i += 1
                guard (1...2).contains(args.count), !args.contains(where: \.isEmpty) else {
                    throw Failure(message: "\(word)() takes a node or source name")
                }
                return .probe(word, args)
            }
            i += 1
            let argument = try expression(0)
            skipSpace()
            guard i < text.count, text[i] == ")" else { throw Failure(message: "missing ')' after \(word)(") }
            i += 1
            return .call(word, argument)
        }
        return .name(word)
    }
}

/// Evaluates expressions against a plot; `plot.vector` and `plot.v(x)` reach the other plots.
struct VectorEvaluator {
    let plot: Plot
    /// Every plot by name, for plot-qualified names (`tran1.time`, `ac2.v(out)`).
    var plots: [String: Plot] = [:]

    typealias Failure = VectorParser.Failure

    init(plot: Plot, plots: [Plot] = []) {
        self.plot = plot
        for p in plots { self.plots[p.name] = p }
    }

    /// The plot a qualified name refers to and the name in it, if the prefix names a plot.
    func qualified(_ name: String) -> (VectorEvaluator, String)? {
        guard let dot = name.firstIndex(of: "."), let other = plots[String(name[..<dot])] else { return nil }
        var evaluator = VectorEvaluator(plot: other)
        evaluator.plots = plots
        return (evaluator, String(name[name.index(after: dot)...]))
    }

    func vector(_ name: String) throws -> VectorValue {
        if let v = plot.vector(name) { return VectorValue(v) }
        if let (other, rest) = qualified(name) { return try other.vector(rest) }
        if name.hasSuffix("#branch"), let v = plot.vector(name) { return VectorValue(v) }
        switch name {
        case "pi": return VectorValue(re: [Double.pi])
        case "e": return VectorValue(re: [M_E])
        case "boltz": return VectorValue(re: [1.380649e-23])
        case "echarge": return VectorValue(re: [1.602176634e-19])
        case "yes", "true": return VectorValue(re: [1])
        case "no", "false": return VectorValue(re: [0])
        default: break
        }
        throw Failure(message: "no such vector '\(name)' in plot \(plot.name)")
    }

    func node(_ name: String) throws -> VectorValue {
        if name == "0" || name == "gnd" {
            let n = plot.vectors.first?.count ?? 1
            return VectorValue(re: Array(repeating: 0, count: n), im: plot.kind == "ac" ? Array(repeating: 0, count: n) : nil)
        }
        guard let v = plot.vector(name) else { throw Failure(message: "no such vector 'v(\(name))' in plot \(plot.name)") }
        return VectorValue(v)
    }

    func evaluate(_ e: VectorExpression) throws -> VectorValue {
        switch e {
        case .number(let x): return VectorValue(re: [x])
        case .name(let n): return try vector(n)
        case .probe(let qualifiedName, let args):
            if let (other, f) = qualified(qualifiedName) { return try other.evaluate(.probe(f, args)) }
            let f = qualifiedName
            var value: VectorValue
            if f.hasPrefix("v") {
                value = try node(args[0])
                if args.count == 2 { value = try binary("-", value, node(args[1])) }
            } else {
                guard args.count == 1, let v = plot.vector(args[0] + "#branch") ?? plot.vector(args[0]) else {
                    throw Failure(message: "no such vector 'i(\(args.joined(separator: ",")))' in plot \(plot.name)")
                }
                value = VectorValue(v)
            }
            switch f.dropFirst() {
            case "": return value
            case "m": return VectorValue(re: value.magnitude)
            case "db": return VectorValue(re: value.magnitude.map { 20 * log10($0) })
            case "p": return VectorValue(re: value.phase)
            case "r": return VectorValue(re: value.re)
            case "i": return VectorValue(re: value.imaginary)
            default: throw Failure(message: "unknown function \(f)")
            }
        case .call(let f, let a): return try call(f, evaluate(a))
        case .unary(_, let a):
            let v = try evaluate(a)
            return VectorValue(re: v.re.map { -$0 }, im: v.im?.map { -$0 })
        case .binary(let op, let a, let b): return try binary(op, evaluate(a), evaluate(b))
        case .index(let a, let b):
            let v = try evaluate(a), k = try evaluate(b)
            guard let first = k.re.first, first.isFinite else { throw Failure(message: "bad index") }
            let n = Int(first.rounded())
            guard n >= 0, n < v.count else {
                throw Failure(message: "index \(n) out of range (vector length \(v.count))")
            }
            return VectorValue(re: [v.re[n]], im: v.im.map { [$0[n]] })
        }
    }

    func call(_ f: String, _ v: VectorValue) throws -> VectorValue {
        func real(_ g: (Double) -> Double) -> VectorValue { VectorValue(re: v.re.map(g)) }
        switch f {
        case "mag", "abs": return VectorValue(re: v.magnitude)
        case "db": return VectorValue(re: v.magnitude.map { 20 * log10($0) })
        case "ph", "phase", "cph": return VectorValue(re: v.phase)
        case "real", "re": return VectorValue(re: v.re)
        case "imag", "im": return VectorValue(re: v.imaginary)
        case "sqrt", "exp", "ln", "log", "log10", "sin", "cos", "tan", "atan":
            guard v.im == nil else { throw Failure(message: "\(f)() of a complex vector is not supported") }
            switch f {
            case "sqrt": return real(sqrt)
            case "exp": return real(exp)
            case "ln": return real(Foundation.log)
            case "log", "log10": return real(log10)
            case "sin": return real(sin)
            case "cos": return real(cos)
            case "tan": return real(tan)
            default: return real(atan)
            }
        case "mean":
            let n = Double(max(v.count, 1))
            return VectorValue(re: [v.re.reduce(0, +) / n], im: v.im.map { [$0.reduce(0, +) / n] })
        case "length": return VectorValue(re: [Double(v.count)])
        case "vecmax": return VectorValue(re: [v.im == nil ? (v.re.max() ?? .nan) : (v.magnitude.max() ?? .nan)])
        case "vecmin": return VectorValue(re: [v.im == nil ? (v.re.min() ?? .nan) : (v.magnitude.min() ?? .nan)])
        default: throw Failure(message: "unknown function '\(f)'")
        }
    }

    func binary(_ op: String, _ a: VectorValue, _ b: VectorValue) throws -> VectorValue {
        let n: Int
        if a.count == b.count { n = a.count } else if a.count == 1 { n = b.count } else if b.count == 1 {
            n = a.count
        } else {
            throw Failure(message: "vectors of different lengths (\(a.count) and \(b.count))")
        }
        func at(_ v: VectorValue, _ k: Int) -> (Double, Double) {
            let j = v.count == 1 ? 0 : k
            return (v.re[j], v.im?[j] ?? 0)
        }
        let complex = a.im != nil || b.im != nil
        var re = [Double](repeating: 0, count: n), im = [Double](repeating: 0, count: n)
        for k in 0..<n {
            let (ar, ai) = at(a, k), (br, bi) = at(b, k)
            switch op {
            case "+": (re[k], im[k]) = (ar + br, ai + bi)
            case "-": (re[k], im[k]) = (ar - br, ai - bi)
            case "*": (re[k], im[k]) = (ar * br - ai * bi, ar * bi + ai * br)
            case "/":
                if complex {
                    let d = br * br + bi * bi
                    (re[k], im[k]) = ((ar * br + ai * bi) / d, (ai * br - ar * bi) / d)
                } else {
                    re[k] = ar / br
                }
            case "%": re[k] = fmod(ar, br)
            case "^":
                if complex {
                    let r = pow(hypot(ar, ai), br), t = atan2(ai, ar) * br
                    (re[k], im[k]) = (r * cos(t), r * sin(t))
                } else {
                    re[k] = pow(ar, br)
                }
            case "<": re[k] = ar < br ? 1 : 0
            case ">": re[k] = ar > br ? 1 : 0
            case "<=": re[k] = ar <= br ? 1 : 0
            case ">=": re[k] = ar >= br ? 1 : 0
            case "==": re[k] = ar == br && ai == bi ? 1 : 0
            case "!=", "<>": re[k] = ar != br || ai != bi ? 1 : 0
            case "&&": re[k] = ar != 0 && br != 0 ? 1 : 0
            case "||": re[k] = ar != 0 || br != 0 ? 1 : 0
            default: throw Failure(message: "unknown operator '\(op)'")
            }
        }
        return VectorValue(re: re, im: complex ? im : nil)
    }
}
