/// A parameter expression parsed once from free text and evaluated many times with named variables.
///
/// This is the netlist's expression language (`+ - * / ^ **`, comparisons, `?:`, `exp`, `log`, `tanh`,
/// `pi`, SI suffixes such as `1k`), reachable from other Kelvin targets, e.g. to evaluate a cell's
/// `* ideal: -(x + 0.1)` header line. Names are case-insensitive.
///
/// ```swift
/// let f = try ParsedExpression("-(x + 0.5*1 + 0.2*(-2))")
/// let y = try f.evaluate(["x": 2])   // -2.1
/// ```
package struct ParsedExpression: Sendable {
    let expression: Expression
    /// The text as given.
    package let text: String

    /// Parses `text`; errors are `NetlistError`s located at `file:line:column` (the expression's start).
    package init(_ text: String, file: String = "<expression>", line: Int = 1, column: Int = 1) throws {
        var logical = LogicalLine(file: file)
        logical.segments = [.init(offset: 0, line: line, column: column)]
        logical.scalars = Array(text.unicodeScalars)
        self.text = text
        expression = try Expression.parse(logical, 0..<logical.scalars.count)
    }

    /// Evaluates with `variables` (keys matched lower case); throws for an undefined name or bad call.
    package func evaluate(_ variables: [String: Double]) throws -> Double {
        var lower: [String: Double] = [:]
        for (k, v) in variables { lower[k.lowercased()] = v }
        return try expression.evaluate { lower[$0] }
    }
}
