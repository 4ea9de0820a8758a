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
        var negative = false
        if allowSign, i < s.endIndex, s[i] == "+" || s[i] == "-" {
            negative = s[i] == "-"
            i += 1
        }
        // The decimal digits as an integer mantissa (up to 19 significant digits) and a power of ten.
        var mantissa: UInt64 = 0
        var significant = 0
        var fractionDigits = 0
        func accumulate(_ digit: Unicode.Scalar) {
            let d = UInt64(digit.value - 48)
            if mantissa == 0 && d == 0 { return }  // a leading zero
            significant += 1
            if significant <= 19 { mantissa = mantissa &* 10 &+ d }
        }
        var digits = 0
        while i < s.endIndex, isDigit(s[i]) {
            accumulate(s[i])
            i += 1
            digits += 1
        }
        if i < s.endIndex, s[i] == "." {
            i += 1
            while i < s.endIndex, isDigit(s[i]) {
                accumulate(s[i])
                i += 1
                digits += 1
                fractionDigits += 1
            }
        }
        guard digits > 0 else { return nil }
        // Exponent only when `e` is followed by digits (optionally signed).
        var exponent = 0
        if i < s.endIndex, s[i] == "e" || s[i] == "E" {
            var j = i + 1
            var exponentNegative = false
            if j < s.endIndex, s[j] == "+" || s[j] == "-" {
                exponentNegative = s[j] == "-"
                j += 1
            }
            let exponentStart = j
            while j < s.endIndex, isDigit(s[j]) {
                if exponent < 100_000 { exponent = exponent * 10 + Int(s[j].value - 48) }
                j += 1
            }
            if j > exponentStart {
                i = j
                if exponentNegative { exponent = -exponent }
            }
        }
        var value: Double
        let power = exponent - fractionDigits
        if significant <= 15, power >= -22, power <= 22 {
            // Clinger's fast path: the mantissa (< 10^15 < 2^53) and 10^|power| (≤ 10^22) are exact
            // doubles, so one multiplication or division rounds correctly, as strtod does (which
            // cost ~1,100 instructions a number, a third of parsing a small deck).
            let m = Double(mantissa)
            value = power >= 0 ? m * exactPowersOfTen[power] : m / exactPowersOfTen[-power]
            if negative { value = -value }
        } else {
            // The literal is ASCII: its scalars are its UTF-8 bytes.
            let literal = String(unsafeUninitializedCapacity: i - start) { buffer in
                for k in start..<i { buffer[k - start] = UInt8(truncatingIfNeeded: s[k].value) }
                return i - start
            }
            guard let parsed = Double(literal) else { return nil }
            value = parsed
        }
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

    /// 10^0 ... 10^22, the powers of ten that are exact doubles.
    static let exactPowersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18,
        1e19, 1e20, 1e21, 1e22,
    ]

    static func isDigit(_ s: Unicode.Scalar) -> Bool { s >= "0" && s <= "9" }
    static func isLetter(_ s: Unicode.Scalar) -> Bool {
        (s >= "a" && s <= "z") || (s >= "A" && s <= "Z") || s == "_" || s == "\u{B5}" || s == "\u{3BC}"
    }
}
