import TestSupport
import XCTest

@testable import Netlist

final class NumberTests: XCTestCase {
    func testPlainNumbers() {
        XCTAssertEqual(SpiceNumber.parse("1"), 1)
        XCTAssertEqual(SpiceNumber.parse("1e3"), 1000)
        XCTAssertEqual(SpiceNumber.parse(".5"), 0.5)
        XCTAssertEqual(SpiceNumber.parse("-2.5"), -2.5)
        XCTAssertEqual(SpiceNumber.parse("+3"), 3)
        XCTAssertEqual(SpiceNumber.parse("1E-2"), 0.01)
        XCTAssertEqual(SpiceNumber.parse("5."), 5)
    }

    /// The integer-mantissa fast path gives strtod's correctly rounded value, bit for bit, on
    /// either side of its limits (15 significant digits, powers of ten up to 10^±22).
    func testValuesMatchStrtod() throws {
        var rng = SeededGenerator(seed: 13)
        var literals = ["0", "-0", "0.0", "00012.5000", "1e22", "1e23", "1e-22", "1e-23", "123456789012345",
                        "1234567890123456", "9007199254740993", "0.1", "0.30000000000000004", "1.7976931348623157e308",
                        "4.9e-324", "2.5e-310", "-15", "11.45", "15.9e-12", "0.000001e+10"]
        for _ in 0..<5000 {
            let digits = Int.random(in: 1...18, using: &rng)
            var text = String((0..<digits).map { _ in Character(String(Int.random(in: 0...9, using: &rng))) })
            let point = Int.random(in: 0...digits, using: &rng)
            text.insert(".", at: text.index(text.startIndex, offsetBy: point))
            if Bool.random(using: &rng) { text += "e\(Int.random(in: -40...40, using: &rng))" }
            literals.append(Bool.random(using: &rng) ? "-" + text : text)
        }
        for text in literals {
            let expected = try XCTUnwrap(Double(text), text)
            let value = try XCTUnwrap(SpiceNumber.parse(text), text)
            XCTAssertEqual(value.bitPattern, expected.bitPattern, text)
        }
    }

    func testSuffixes() throws {
        let cases: [(String, Double)] = [
            ("1T", 1e12), ("1g", 1e9), ("1MEG", 1e6), ("1meg", 1e6), ("1k", 1e3), ("1K", 1e3),
            ("1m", 1e-3), ("1M", 1e-3), ("1u", 1e-6), ("1n", 1e-9), ("1p", 1e-12), ("1f", 1e-15),
            ("1mil", 25.4e-6), ("2.2MEG", 2.2e6),
        ]
        for (text, expected) in cases {
            let value = try XCTUnwrap(SpiceNumber.parse(text), text)
            assertClose(value, expected, relative: 1e-12, text)
        }
        assertClose(try XCTUnwrap(SpiceNumber.parse("-2.5e-3k")), -2.5, relative: 1e-12)
    }

    func testTrailingLettersIgnored() throws {
        assertClose(try XCTUnwrap(SpiceNumber.parse("1kohm")), 1e3, relative: 1e-12)
        assertClose(try XCTUnwrap(SpiceNumber.parse("10uF")), 10e-6, relative: 1e-12)
        XCTAssertEqual(SpiceNumber.parse("5V"), 5)
        XCTAssertEqual(SpiceNumber.parse("3ohm"), 3)
        assertClose(try XCTUnwrap(SpiceNumber.parse("1e3k")), 1e6, relative: 1e-12)
        // `e` not followed by digits is a trailing letter, not an exponent.
        XCTAssertEqual(SpiceNumber.parse("2e"), 2)
        assertClose(try XCTUnwrap(SpiceNumber.parse("10\u{B5}F")), 10e-6, relative: 1e-12)
    }

    func testNotNumbers() {
        XCTAssertNil(SpiceNumber.parse("abc"))
        XCTAssertNil(SpiceNumber.parse(""))
        XCTAssertNil(SpiceNumber.parse("1.2.3"))
        XCTAssertNil(SpiceNumber.parse("-"))
        XCTAssertNil(SpiceNumber.parse("1k5"))
        XCTAssertNil(SpiceNumber.parse("."))
        XCTAssertNil(SpiceNumber.parse("1+2"))
    }

    func testNumbersInDeck() throws {
        let deck = try parseDeck(
            """
            numbers
            r1 a 0 1kohm
            r2 a 0 2.2MEG
            r3 a 0 -2.5e-3k
            c1 a 0 10uF
            r4 a 0 1M
            r5 a 0 .5
            """)
        assertClose(try XCTUnwrap(deck.resistance("r1")), 1e3, relative: 1e-12)
        assertClose(try XCTUnwrap(deck.resistance("r2")), 2.2e6, relative: 1e-12)
        assertClose(try XCTUnwrap(deck.resistance("r3")), -2.5, relative: 1e-12)
        assertClose(try XCTUnwrap(deck.resistance("r4")), 1e-3, relative: 1e-12)
        assertClose(try XCTUnwrap(deck.resistance("r5")), 0.5, relative: 1e-12)
        guard case .capacitor(let c, nil)? = deck.element("c1")?.kind else { return XCTFail("c1") }
        assertClose(c, 10e-6, relative: 1e-12)
    }
}
