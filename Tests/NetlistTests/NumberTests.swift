import XCTest

import TestSupport

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
