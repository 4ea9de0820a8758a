/// SPICE number syntax: a decimal literal with an optional scale suffix and ignored trailing letters.
///
/// Suffixes (case-insensitive): T=1e12 G=1e9 MEG=1e6 K=1e3 M=1e-3 MIL=25.4e-6 U=1e-6 N=1e-9 P=1e-12 F=1e-15
/// (`µ` is accepted for U).
/// Letters after the suffix are ignored as ngspice does (`1kohm`, `10uF`, `5V`); anything else is an error.
package enum SpiceNumber {
    /// The value of `text`, or nil when it is not a complete SPICE number.
    package static func parse(_ text: String) -> Double? {
        // ASCII text (nearly every deck) is scanned in place; anything else as scalars.
        if text.utf8.allSatisfy({ $0 < 0x80 }) {
            var text = text
            return text.withUTF8 { bytes in
                guard let (value, end) = scan(bytes.lazy.map(Unicode.Scalar.init), from: 0), end == bytes.count
                else { return nil }
                return value
            }
        }
        let scalars = Array(text.unicodeScalars)
        guard let (value, end) = scan(scalars, from: 0), end == scalars.count else { return nil }
        return value
    }

    /// Scans a number (with optional sign) starting at `start`; returns its value and the offset past it,
    /// including the suffix and trailing letters. Nil when no digits are found.
    static func scan<Scalars: RandomAccessCollection>(_ s: Scalars, from start: Int, allowSign: Bool = true)
        -> (Double, Int)? where Scalars.Element == Unicode.Scalar, Scalars.Index == Int
    {
        var i = start
        if allowSign, i < s.endIndex, s[i] == "+" || s[i] == "-" { i += 1 }
        var digits = 0
        while i < s.endIndex, isDigit(s[i]) {
            i += 1
            digits += 1
        }
        if i < s.endIndex, s[i] == "." {
            i += 1
            while i < s.endIndex, isDigit(s[i]) {
                i += 1
                digits += 1
            }
        }
        guard digits > 0 else { return nil }
        // Exponent only when `e` is followed by digits (optionally signed).
        if i < s.endIndex, s[i] == "e" || s[i] == "E" {
            var j = i + 1
            if j < s.endIndex, s[j] == "+" || s[j] == "-" { j += 1 }
            let exponentStart = j
            while j < s.endIndex, isDigit(s[j]) { j += 1 }
            if j > exponentStart { i = j }
        }
        // The literal is ASCII: its scalars are its UTF-8 bytes.
        let literal = String(unsafeUninitializedCapacity: i - start) { buffer in
            for k in start..<i { buffer[k - start] = UInt8(truncatingIfNeeded: s[k].value) }
            return i - start
        }
        guard var value = Double(literal) else { return nil }
        var j = i
        while j < s.endIndex, isLetter(s[j]) { j += 1 }
        value *= scale(ofSuffix: s[i..<j])
        return (value, j)
    }

    /// The multiplier named by the start of `letters` (1 when there is no scale suffix);
    /// case-insensitive.
    static func scale<Letters: Collection>(ofSuffix letters: Letters) -> Double where Letters.Element == Unicode.Scalar {
        func lower(_ s: Unicode.Scalar) -> Unicode.Scalar {
            s >= "A" && s <= "Z" ? Unicode.Scalar(UInt8(s.value) | 0x20) : s
        }
        var next = letters.makeIterator()
        let first = next.next().map(lower), second = next.next().map(lower), third = next.next().map(lower)
        if first == "m", second == "e", third == "g" { return 1e6 }
        if first == "m", second == "i", third == "l" { return 25.4e-6 }
        switch first {
        case "t": return 1e12
        case "g": return 1e9
        case "k": return 1e3
        case "m": return 1e-3
        case "u", "\u{B5}", "\u{3BC}": return 1e-6
        case "n": return 1e-9
        case "p": return 1e-12
        case "f": return 1e-15
        default: return 1
        }
    }

    static func isDigit(_ s: Unicode.Scalar) -> Bool { s >= "0" && s <= "9" }
    static func isLetter(_ s: Unicode.Scalar) -> Bool {
        (s >= "a" && s <= "z") || (s >= "A" && s <= "Z") || s == "_" || s == "\u{B5}" || s == "\u{3BC}"
    }
}
