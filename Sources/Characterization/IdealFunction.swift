import Netlist

/// A cell's ideal function (the `* ideal:` header), evaluated with the netlist expression language.
///
/// Variables: `x` is the first input, `w` (alias `y`) the second; the swept source names (`v1`) work too.
public struct IdealFunction: Sendable {
    let expression: ParsedExpression
    let inputs: [String]

    /// Parses `text`; throws `NetlistError` for a malformed expression.
    public init(_ text: String, inputs: [String]) throws {
        expression = try ParsedExpression(text, file: "ideal")
        self.inputs = inputs.map { $0.lowercased() }
    }

    /// `f(x[, w])`; throws for an undefined variable.
    public func callAsFunction(_ x: Double, _ w: Double = 0) throws -> Double {
        var variables = ["x": x, "w": w, "y": w]
        if let first = inputs.first { variables[first] = x }
        if inputs.count > 1 { variables[inputs[1]] = w }
        return try expression.evaluate(variables)
    }
}
