import CStdio
import Foundation

/// C `printf` number formatting straight into a byte buffer.
///
/// `String(format:)` goes through Foundation and Swift's va_list bridge, and glibc's `%.12g` itself
/// runs multi-precision arithmetic: together about 7,000 instructions per value, which dominated
/// writing large sweeps. `%.12g` is therefore produced here from a 12-digit integer mantissa
/// (`|x|·10^(11−e)` rounded), byte-identical to C; values whose scaled mantissa lies within 10⁻³ of
/// a rounding tie, zeros, non-finite and extreme magnitudes go to `snprintf` so the result never
/// differs from C's.
enum CNumberFormat {
    /// The C formats available.
    enum Style {
        /// `%.12g`, the CSV format.
        case g12
        /// `%.15e`, the rawfile format.
        case e15
    }

    /// Appends `value` printed in `style` to `bytes`.
    static func append(_ value: Double, _ style: Style, to bytes: inout [UInt8]) {
        if style == .g12, appendFastG12(value, to: &bytes) { return }
        appendC(value, style, to: &bytes)
    }

    /// `value` printed in `style`.
    static func string(_ value: Double, _ style: Style) -> String {
        var bytes: [UInt8] = []
        append(value, style, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends C's `snprintf` output.
    static func appendC(_ value: Double, _ style: Style, to bytes: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buffer in
            guard let base = buffer.baseAddress else { return }
            let count: Int32
            switch style {
            case .g12: count = kelvin_format_g12(base, 64, value)
            case .e15: count = kelvin_format_e15(base, 64, value)
            }
            let n = Int(min(max(count, 0), 63))
            base.withMemoryRebound(to: UInt8.self, capacity: n) {
                bytes.append(contentsOf: UnsafeBufferPointer(start: $0, count: n))
            }
        }
    }

    /// Powers of ten `10^0 ... 10^308`, each the correctly rounded double.
    private static let powersOfTen: [Double] = (0...308).map { Double("1e\($0)") ?? .infinity }
    private static let mantissaLow: UInt64 = 100_000_000_000  // 10^11
    private static let mantissaHigh: UInt64 = 1_000_000_000_000  // 10^12

    /// `%.12g` without libc; false (nothing appended) when the value needs `snprintf`.
    static func appendFastG12(_ value: Double, to bytes: inout [UInt8]) -> Bool {
        guard value.isFinite, value != 0 else { return false }
        let magnitude = abs(value)
        var exponent = Int(log10(magnitude).rounded(.down))
        guard exponent > -280, exponent < 280 else { return false }
        var mantissa: UInt64 = 0
        for _ in 0..<2 {
            let shift = 11 - exponent
            let scaled = shift >= 0 ? magnitude * powersOfTen[shift] : magnitude / powersOfTen[-shift]
            let fraction = scaled - scaled.rounded(.down)
            if abs(fraction - 0.5) < 1e-3 { return false }
            let rounded = scaled.rounded()
            guard rounded < 1.5e12 else { return false }
            mantissa = UInt64(rounded)
            if mantissa < mantissaLow { exponent -= 1; continue }  // log10 estimate one too high
            if mantissa >= mantissaHigh {
                // Rounded up to 10^12 (or log10 one too low): only an exact power of ten is safe.
                guard mantissa == mantissaHigh else { exponent += 1; continue }
                mantissa = mantissaLow
                exponent += 1
            }
            break
        }
        guard mantissa >= mantissaLow, mantissa < mantissaHigh else { return false }

        // The 12 digits, most significant first (division by the constant 10 is a multiply).
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let negative = value < 0
        withUnsafeMutableBytes(of: &digits) { d in
            var m = mantissa
            for k in stride(from: 11, through: 0, by: -1) {
                d[k] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: m % 10)
                m /= 10
            }
            var last = 11  // last significant digit kept (trailing zeros dropped)
            while last > 0 && d[last] == UInt8(ascii: "0") { last -= 1 }
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { out in
                var n = 0
                @inline(__always) func put(_ c: UInt8) { out[n] = c; n += 1 }
                if negative { put(UInt8(ascii: "-")) }
                if exponent < -4 || exponent >= 12 {
                    put(d[0])
                    if last > 0 {
                        put(UInt8(ascii: "."))
                        for k in 1...last { put(d[k]) }
                    }
                    put(UInt8(ascii: "e"))
                    put(UInt8(ascii: exponent < 0 ? "-" : "+"))
                    let e = abs(exponent)
                    if e >= 100 { put(UInt8(ascii: "0") + UInt8(e / 100)) }
                    put(UInt8(ascii: "0") + UInt8(e / 10 % 10))
                    put(UInt8(ascii: "0") + UInt8(e % 10))
                } else if exponent >= 0 {
                    for k in 0...exponent { put(d[k]) }
                    if last > exponent {
                        put(UInt8(ascii: "."))
                        for k in (exponent + 1)...last { put(d[k]) }
                    }
                } else {
                    put(UInt8(ascii: "0"))
                    put(UInt8(ascii: "."))
                    for _ in 0..<(-exponent - 1) { put(UInt8(ascii: "0")) }
                    for k in 0...last { put(d[k]) }
                }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: out[0..<n]))
            }
        }
        return true
    }
}
