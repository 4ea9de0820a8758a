import CStdio
import Foundation

/// C `printf` number formatting straight into byte buffers.
///
/// `String(format:)` goes through Foundation and Swift's va_list bridge, and glibc's `%.12g` itself
/// runs multi-precision arithmetic: together about 7,000 instructions per value, which dominated
/// writing large sweeps. `%.12g` is therefore produced here from a 12-digit integer mantissa
/// (`|x|·10^(11−e)` rounded), byte-identical to C: values whose scaled mantissa lies within 10⁻³ of
/// a rounding tie, non-finite values and extreme magnitudes go to `snprintf`, so the output never
/// differs from C's (checked against `snprintf` by `NumberFormatTests`).
enum CNumberFormat {
    /// The C formats available.
    enum Style {
        /// `%.12g`, the CSV format.
        case g12
        /// `%.15e`, the rawfile format.
        case e15
        /// `%g`, for messages.
        case g6
    }

    /// Bytes a single value can take in either style (C prints at most 24).
    static let maxWidth = 32

    /// `value` printed in `style`.
    static func string(_ value: Double, _ style: Style) -> String {
        let bytes = [UInt8](unsafeUninitializedCapacity: maxWidth) { buffer, count in
            guard let base = buffer.baseAddress else { return }
            switch style {
            case .g12: count = writeG12(value, to: base)
            case .e15: count = writeE15(value, to: base, tables: .shared)
            case .g6: count = writeC(value, style, to: base)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Writes C's `snprintf` output (without the terminating zero) at `out`, which must hold
    /// `maxWidth` bytes; returns the byte count.
    /// Writes C's exponent `e±dd` (three digits from 100) at `out + n`; returns the new end.
    @inline(__always)
    static func writeExponent(_ exponent: Int, to out: UnsafeMutablePointer<UInt8>, at n: Int) -> Int {
        var n = n
        out[n] = UInt8(ascii: "e")
        out[n + 1] = UInt8(ascii: exponent < 0 ? "-" : "+")
        n += 2
        let e = abs(exponent)
        if e >= 100 {
            out[n] = 48 + UInt8(e / 100)
            n += 1
        }
        out[n] = 48 + UInt8(e / 10 % 10)
        out[n + 1] = 48 + UInt8(e % 10)
        return n + 2
    }

    static func writeC(_ value: Double, _ style: Style, to out: UnsafeMutablePointer<UInt8>) -> Int {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buffer in
            guard let base = buffer.baseAddress else { return 0 }
            let count: Int32
            switch style {
            case .g12: count = kelvin_format_g12(base, 64, value)
            case .e15: count = kelvin_format_e15(base, 64, value)
            case .g6: count = kelvin_format_g6(base, 64, value)
            }
            let n = Int(min(max(count, 0), Int32(maxWidth)))
            base.withMemoryRebound(to: UInt8.self, capacity: n) { out.update(from: $0, count: n) }
            return n
        }
    }

    /// The lookup tables `writeG12` reads, as raw pointers: fetched once per file by the writer,
    /// so the per-value path has neither a lazy-global check (`swift_once`) nor bounds checks
    /// (measured: ~15% of the formatting instructions).
    struct Tables: @unchecked Sendable {
        /// Powers of ten `10^0 ... 10^308`, each the correctly rounded double.
        let powersOfTen: UnsafePointer<Double>
        /// "00", "01", ... "99" as ASCII bytes.
        let digitPairs: UnsafePointer<UInt8>

        /// The process-wide tables: constants in the C shim (`kelvin_powers_of_ten`,
        /// `kelvin_digit_pairs`), so nothing is computed at start-up.
        static var shared: Tables {
            Tables(powersOfTen: kelvin_powers_of_ten(), digitPairs: kelvin_digit_pairs())
        }
    }

    /// Writes `value` as C's `%.12g` at `out` (room for `maxWidth` bytes); returns the byte count.
    static func writeG12(_ value: Double, to out: UnsafeMutablePointer<UInt8>) -> Int {
        writeG12(value, to: out, tables: .shared)
    }

    /// Writes `value` as C's `%.12g` at `out` (room for `maxWidth` bytes); returns the byte count.
    /// `tables` is `Tables.shared`, passed in by loops that write many values. Bytes past the
    /// count (within `maxWidth`) may be overwritten with scratch.
    @inline(__always)
    static func writeG12(_ value: Double, to out: UnsafeMutablePointer<UInt8>, tables: Tables) -> Int {
        let powersOfTen = tables.powersOfTen
        let digitPairs = tables.digitPairs
        if value == 0 {
            if value.sign == .minus {
                out[0] = UInt8(ascii: "-")
                out[1] = UInt8(ascii: "0")
                return 2
            }
            out[0] = UInt8(ascii: "0")
            return 1
        }
        guard value.isFinite else { return writeC(value, .g12, to: out) }
        let magnitude = abs(value)
        // Decimal exponent estimate from the binary one (corrected below).
        // (Bit arithmetic and truncating conversions below: `exponent`, `rounded` and `floor` are
        // library calls here and were a third of the cost.)
        let binaryExponent = Int((magnitude.bitPattern >> 52) & 0x7ff) - 1023
        let estimate = Double(binaryExponent) * 0.301029995663981195
        var exponent = Int(estimate)
        if Double(exponent) > estimate { exponent -= 1 }
        guard exponent > -280, exponent < 280 else { return writeC(value, .g12, to: out) }
        var mantissa: UInt64 = 0
        var found = false
        for _ in 0..<3 {
            let shift = 11 - exponent
            let scaled = shift >= 0 ? magnitude * powersOfTen[shift] : magnitude / powersOfTen[-shift]
            guard scaled >= 1, scaled < 1e13 else { return writeC(value, .g12, to: out) }
            let whole = UInt64(scaled)  // truncates; scaled is positive
            let fraction = scaled - Double(whole)
            if abs(fraction - 0.5) < 1e-3 { return writeC(value, .g12, to: out) }
            if scaled < 99_999_999_999.5 { exponent -= 1; continue }
            if scaled >= 999_999_999_999.5 { exponent += 1; continue }
            mantissa = fraction > 0.5 ? whole + 1 : whole
            found = true
            break
        }
        guard found, mantissa >= 100_000_000_000, mantissa < 1_000_000_000_000 else { return writeC(value, .g12, to: out) }

        // The 12 digits, most significant first, as the bytes of two registers (little-endian:
        // digit k is byte k of `lo` for k < 8, byte k − 8 of `hi` after), two at a time from a table
        // on 32-bit halves (divisions by constants are multiplies). They go to `out` in fixed
        // 12-byte blocks (an 8- and a 4-byte store). Bytes assembled in a stack buffer and read back
        // at an offset missed store-to-load forwarding: a tenth of the formatting time.
        let high = UInt32(truncatingIfNeeded: mantissa / 1_000_000)
        let low = UInt32(truncatingIfNeeded: mantissa % 1_000_000)
        @inline(__always) func pair(_ value: UInt32) -> UInt64 {
            UInt64(UnsafeRawPointer(digitPairs + Int(value) &* 2).loadUnaligned(as: UInt16.self))
        }
        let lo = pair(high / 10_000) | pair(high / 100 % 100) &<< 16 | pair(high % 100) &<< 32 | pair(low / 10_000) &<< 48
        let hi = pair(low / 100 % 100) | pair(low % 100) &<< 16
        /// Stores digits `from ..< from + 12` (`from` ≤ 12; zeros past the last digit) at `out + to`
        /// (`to` ≤ 20), so a block may write up to 12 bytes past the text's end, never past
        /// `maxWidth`; the caller overwrites or ignores them.
        @inline(__always) func block(from: Int, to: Int) {
            let first: UInt64, second: UInt64
            if from == 0 {
                (first, second) = (lo, hi)
            } else if from < 8 {
                let shift = UInt64(from &* 8)
                (first, second) = (lo &>> shift | hi &<< (64 &- shift), hi &>> shift)
            } else {
                (first, second) = (hi &>> UInt64((from &- 8) &* 8), 0)
            }
            let target = UnsafeMutableRawPointer(out + to)
            target.storeBytes(of: first, as: UInt64.self)
            target.storeBytes(of: UInt32(truncatingIfNeeded: second), toByteOffset: 8, as: UInt32.self)
        }
        // The last significant digit kept (trailing zeros dropped): the highest byte that is not "0".
        let zeros: UInt64 = 0x3030_3030_3030_3030
        let last = hi != zeros & 0xFFFF_FFFF
            ? 8 + (63 - (hi ^ zeros & 0xFFFF_FFFF).leadingZeroBitCount) / 8
            : (63 - (lo ^ zeros).leadingZeroBitCount) / 8
        var n = 0
        if value < 0 {
            out[0] = UInt8(ascii: "-")
            n = 1
        }
        if exponent < -4 || exponent >= 12 {
            out[n] = UInt8(truncatingIfNeeded: lo)
            n += 1
            if last > 0 {
                out[n] = UInt8(ascii: ".")
                block(from: 1, to: n + 1)
                n += 1 + last
            }
            n = writeExponent(exponent, to: out, at: n)
        } else if exponent >= 0 {
            block(from: 0, to: n)
            n += exponent + 1
            if last > exponent {
                out[n] = UInt8(ascii: ".")
                block(from: exponent + 1, to: n + 1)
                n += 1 + last - exponent
            }
        } else {
            out[n] = UInt8(ascii: "0")
            out[n + 1] = UInt8(ascii: ".")
            n += 2
            for _ in 0..<(-exponent - 1) {
                out[n] = UInt8(ascii: "0")
                n += 1
            }
            block(from: 0, to: n)
            n += last + 1
        }
        return n
    }
}
