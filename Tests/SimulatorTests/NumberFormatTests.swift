import TestSupport
import XCTest

@testable import Simulator

/// The CSV writer's fast `%.12g` must print exactly what C's `snprintf("%.12g")` prints.
final class NumberFormatTests: XCTestCase {
    private func c(_ x: Double, _ style: CNumberFormat.Style = .g12) -> String {
        let bytes = [UInt8](unsafeUninitializedCapacity: CNumberFormat.maxWidth) { buffer, count in
            guard let base = buffer.baseAddress else { return }
            count = CNumberFormat.writeC(x, style, to: base)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    func testFastG12MatchesC() {
        var rng = SeededGenerator(seed: 3)
        var values: [Double] = [1, -1, 0.5, 0.1, 1e-3, 1e-4, 1e-5, 1e11, 1e12, 1e13, 123456789012, 999999999999.5,
                                9.999999999995, 0.30000000000000004, 2.5e-300, 1.7e300, 5e-324, 0, -0.0,
                                .infinity, -.infinity, .nan, 1e15, 0.00012345678901234, 11.45, -11.45]
        for _ in 0..<100_000 {
            let mantissa = Double.random(in: 1..<10, using: &rng)
            let exponent = Int.random(in: -30...30, using: &rng)
            values.append((Bool.random(using: &rng) ? 1 : -1) * mantissa * pow(10, Double(exponent)))
        }
        for k in 0..<2000 { values.append(Double(k) * 0.05) }  // sweep values
        var mismatches = 0
        for x in values {
            let fast = CNumberFormat.string(x, .g12)
            if fast != c(x) {
                mismatches += 1
                if mismatches < 10 { XCTFail("\(x): fast \(fast), C \(c(x))") }
            }
        }
        XCTAssertEqual(mismatches, 0)
    }

    /// The rawfile writer's fast `%.15e` (issue 14 §3: `--raw` as fast as the CSV writer).
    func testFastE15MatchesC() {
        var rng = SeededGenerator(seed: 5)
        var values: [Double] = [1, -1, 0.5, 0.1, 1e-3, 9.9999999999999995, 9.999999999999999e22, 1e16, 1e-16,
                                0.30000000000000004, 2.5e-300, 1.7e300, 5e-324, 0, -0.0, .infinity, -.infinity, .nan,
                                .greatestFiniteMagnitude, .leastNormalMagnitude, 123456789012345678, 1.0000000000000002,
                                0.9999999999999999, 1e300, 1e-299, 4.35, 2.675]
        for _ in 0..<200_000 {
            let mantissa = Double.random(in: 1..<10, using: &rng)
            let exponent = Int.random(in: -300...300, using: &rng)
            values.append((Bool.random(using: &rng) ? 1 : -1) * mantissa * pow(10, Double(exponent)))
            values.append(Double(bitPattern: UInt64.random(in: 0...UInt64.max, using: &rng)))
        }
        for k in 0..<5000 { values.append(Double(k) * 1e-9) }  // time points
        var mismatches = 0
        for x in values {
            let fast = CNumberFormat.string(x, .e15)
            if fast != c(x, .e15) {
                mismatches += 1
                if mismatches < 10 { XCTFail("\(x): fast \(fast), C \(c(x, .e15))") }
            }
        }
        XCTAssertEqual(mismatches, 0)
    }

    func testRawfileDateStampMatchesNgspiceFormat() {
        XCTAssertEqual(Rawfile.dateStamp(Date(timeIntervalSince1970: 1_796_405_617)), "Fri Dec 4 17:33:37  2026")
        XCTAssertEqual(Rawfile.dateStamp(Date(timeIntervalSince1970: 0)), "Thu Jan 1 00:00:00  1970")
    }
}
