/// SPICE number syntax: a decimal literal with an optional scale suffix and ignored trailing letters.
///
/// Suffixes (case-insensitive): T=1e12 G=1e9 MEG=1e6 K=1e3 M=1e-3 MIL=25.4e-6 U=1e-6 N=1e-9 P=1e-12 F=1e-15.
/// Letters after the suffix are ignored as ngspice does (`1kohm`, `10uF`, `5V`); anything else is an error.
enum SpiceNumber {
    /// The value of `text`, or nil when it is not a complete SPICE number.
    static func parse(_ text: String) -> Double? {
        let scalars = Array(text.unicodeScalars)
        guard let (value, end) = scan(scalars, from: 0), end == scalars.count else { return nil }
        return value
    }

    /// Scans a number (with optional sign) starting at `start`; returns its value and the offset past it,
    /// including the suffix and trailing letters. Nil when no digits are found.
    static func scan(_ s: [Unicode.Scalar], from start: Int, allowSign: Bool = true) -> (Double, Int)? {
        var i = start
        var literal = ""
        if allowSign, i < s.count, s[i] == "+" || s[i] == "-" {
            literal.unicodeScalars.append(s[i])
            i += 1
        }
        var digits = 0
        while i < s.count, isDigit(s[i]) {
            literal.unicodeScalars.append(s[i])
            i += 1
            digits += 1
        }
        if i < s.count, s[i] == "." {
            literal += "."
            i += 1
            while i < s.count, isDigit(s[i]) {
                literal.unicodeScalars.append(s[i])
                i += 1
                digits += 1
            }
        }
        guard digits > 0 else { return nil }
        // Exponent only when `e` is followed by digits (optionally signed).
        if i < s.count, s[i] == "e" || s[i] == "E" {
            var j = i + 1
            var exponent = "e"
            if j < s.count, s[j] == "+" || s[j] == "-" {
                exponent.unicodeScalars.append(s[j])
                j += 1
            }
            var expDigits = 0
            while j < s.count, isDigit(s[j]) {
                exponent.unicodeScalars.append(s[j])
                j += 1
                expDigits += 1
            }
            if expDigits > 0 {
                literal += exponent
                i = j
            }
        }
        guard var value = Double(literal) else { return nil }
        var letters = ""
        var j = i
        while j < s.count, isLetter(s[j]) {
            letters.unicodeScalars.append(s[j])
            j += 1
        }
        value *= scale(ofSuffix: letters.lowercased())
        return (value, j)
    }

    /// The multiplier named by the start of `letters` (1 when there is no scale suffix).
    static func scale(ofSuffix letters: String) -> Double {
        if letters.hasPrefix("meg") { return 1e6 }
        if letters.hasPrefix("mil") { return 25.4e-6 }
        switch letters.first {
        case "t": return 1e12
        case "g": return 1e9
        case "k": return 1e3
        case "m": return 1e-3
        case "u", "µ": return 1e-6
        case "n": return 1e-9
        case "p": return 1e-12
        case "f": return 1e-15
        default: return 1
        }
    }

    static func isDigit(_ s: Unicode.Scalar) -> Bool { s >= "0" && s <= "9" }
    static func isLetter(_ s: Unicode.Scalar) -> Bool {
        (s >= "a" && s <= "z") || (s >= "A" && s <= "Z") || s == "_" || s == "µ"
    }
}
