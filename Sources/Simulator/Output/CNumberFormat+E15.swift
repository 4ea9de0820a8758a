extension CNumberFormat {
    /// Powers of ten `10^-340 ... 10^340` as double-doubles (`hi + lo`, 64 significant bits, from
    /// 80-bit extended arithmetic), indexed by `k + 340`; nil where `Float80` is missing.
    struct DoubleDoublePowers: @unchecked Sendable {
        let hi: UnsafePointer<Double>
        let lo: UnsafePointer<Double>
        /// `hi` split into two 26-bit halves (Veltkamp), for Dekker's exact product.
        let hiHigh: UnsafePointer<Double>
        let hiLow: UnsafePointer<Double>

        static let shared: DoubleDoublePowers? = {
            #if arch(x86_64) && !os(Windows)
                let hi = UnsafeMutablePointer<Double>.allocate(capacity: 681)
                let lo = UnsafeMutablePointer<Double>.allocate(capacity: 681)
                let hiHigh = UnsafeMutablePointer<Double>.allocate(capacity: 681)
                let hiLow = UnsafeMutablePointer<Double>.allocate(capacity: 681)
                for k in -340...340 {
                    // Float80("1e-340") is the correctly rounded extended value (no double underflow).
                    let p = Float80("1e\(k)") ?? 0
                    let h = Double(p)
                    hi[k + 340] = h
                    lo[k + 340] = h.isFinite ? Double(p - Float80(h)) : 0
                    (hiHigh[k + 340], hiLow[k + 340]) = split(h)
                }
                return DoubleDoublePowers(hi: hi, lo: lo, hiHigh: hiHigh, hiLow: hiLow)
            #else
                return nil
            #endif
        }()
    }

    /// Veltkamp's split of `a` into two halves of 26 significant bits, `a = high + low` (NaN
    /// beyond ±1.3·10³⁰⁰, where the product overflows: callers fall back then).
    @inline(__always)
    static func split(_ a: Double) -> (Double, Double) {
        let c = 134_217_729.0 * a  // 2^27 + 1
        let high = c - (c - a)
        return (high, a - high)
    }

    /// Writes `value` as C's `%.15e` at `out` (room for `maxWidth` bytes); returns the byte count.
    ///
    /// The 16 significant digits come from `|x|·10^(15−e)` as a double-double (the product's
    /// rounding error recovered exactly by Dekker's product, 10^k itself to 64 bits), whose error (≤ 6·10⁻⁴ of
    /// the last digit) cannot change the rounding unless the scaled value lies within 0.002 of a tie: those values, non-finite ones, the extremes and platforms without
    /// `Float80` (for the table) go to `snprintf`, so the text is always byte-identical to C's
    /// (checked by `NumberFormatTests`). Much faster than glibc's `%.15e`, which runs
    /// multi-precision arithmetic.
    @inline(__always)
    static func writeE15(_ value: Double, to out: UnsafeMutablePointer<UInt8>, tables: Tables,
                         powers: DoubleDoublePowers? = DoubleDoublePowers.shared) -> Int {
        guard let powers, value.isFinite, value != 0 else {
            if value == 0 {
                var n = 0
                if value.sign == .minus {
                    out[0] = UInt8(ascii: "-")
                    n = 1
                }
                for (k, byte) in "0.000000000000000e+00".utf8.enumerated() { out[n + k] = byte }
                return n + 21
            }
            return writeC(value, .e15, to: out)
        }
        let magnitude = abs(value)
        let binaryExponent = Int((magnitude.bitPattern >> 52) & 0x7ff) - 1023
        let estimate = Double(binaryExponent) * 0.301029995663981195
        var exponent = Int(estimate)
        if Double(exponent) > estimate { exponent -= 1 }
        // Subnormals and the extremes: C's own formatting.
        guard exponent > -300, exponent < 300 else { return writeC(value, .e15, to: out) }
        // The estimate is low by one for about half the values: compare with 10^(e+1) first
        // (a near miss at the boundary is corrected by the loop).
        exponent += magnitude >= powers.hi[exponent + 341] ? 1 : 0  // (branch-free: a coin toss per value)
        var mantissa: UInt64 = 0
        var found = false
        for _ in 0..<3 {
            // |x|·10^(15−e) as hi + lo: the product's rounding error exactly (fma), plus x·lo(10^k).
            let index = 15 - exponent + 340
            let ph = powers.hi[index], pl = powers.lo[index]
            let hi = magnitude * ph
            // Dekker's exact product error (an FMA is a slow library call on baseline x86-64).
            let (mh, ml) = split(magnitude)
            let bh = powers.hiHigh[index], bl = powers.hiLow[index]
            let error = ((mh * bh - hi) + mh * bl + ml * bh) + ml * bl
            let lo = error + magnitude * pl
            guard hi >= 1e14, hi < 1e17 else { return writeC(value, .e15, to: out) }
            // Truncating conversions, not `rounded(.down)` (a library call on baseline x86-64).
            // hi − whole is exact (hi ≥ 2^46: ulp ≥ 2^-6); lo spans a few units (ulp(hi) is 2 above 2^53).
            let whole = Int64(hi)
            var fraction = (hi - Double(whole)) + lo
            guard fraction > -16, fraction < 16 else { return writeC(value, .e15, to: out) }
            // floor(fraction) by truncating a positive number (branch-free: lo's sign is random).
            let carry = Int64(fraction + 16) - 16
            fraction -= Double(carry)
            let integer = UInt64(whole + carry)
            // hi + lo is within 6·10⁻⁴ of a unit of the exact product (10^k to 2⁻⁶⁴, the rest
            // exact or far smaller): only a fraction within 2·10⁻³ of a tie needs C.
            if abs(fraction - 0.5) < 2e-3 { return writeC(value, .e15, to: out) }
            // The exponent is right when the exact value has 16 integer digits; rounding up to
            // 10^16 then carries into the exponent, as C's does.
            if integer < 1_000_000_000_000_000 { exponent -= 1; continue }
            if integer >= 10_000_000_000_000_000 { exponent += 1; continue }
            mantissa = fraction > 0.5 ? integer + 1 : integer
            if mantissa == 10_000_000_000_000_000 {
                mantissa = 1_000_000_000_000_000
                exponent += 1
            }
            found = true
            break
        }
        guard found else { return writeC(value, .e15, to: out) }
        let digitPairs = tables.digitPairs
        var n = 0
        if value < 0 {
            out[0] = UInt8(ascii: "-")
            n = 1
        }
        // 16 digits d.ddddddddddddddd, two at a time from the table on 32-bit parts; the leading
        // digit goes first, then the 15 after the point are shifted in behind it.
        let top = UInt32(truncatingIfNeeded: mantissa / 100_000_000)  // 8 digits
        let bottom = UInt32(truncatingIfNeeded: mantissa % 100_000_000)  // 8 digits
        let d = out + n + 1  // digits at d[0...15]; d[0] moves left over the point's place below
        @inline(__always) func pair(_ v: UInt32, at position: Int) {
            let index = Int(v) &* 2
            d[position] = digitPairs[index]
            d[position + 1] = digitPairs[index + 1]
        }
        pair(top / 1_000_000, at: 0)
        pair(top / 10_000 % 100, at: 2)
        pair(top / 100 % 100, at: 4)
        pair(top % 100, at: 6)
        pair(bottom / 1_000_000, at: 8)
        pair(bottom / 10_000 % 100, at: 10)
        pair(bottom / 100 % 100, at: 12)
        pair(bottom % 100, at: 14)
        out[n] = d[0]
        d[0] = UInt8(ascii: ".")
        n += 17
        return writeExponent(exponent, to: out, at: n)
    }
}
