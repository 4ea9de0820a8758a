import XCTest

@testable import Netlist

/// Issue 14 §1 "Nothing silent": every construct of a real ngspice deck is either implemented as
/// ngspice does or reported with its location, never dropped silently.
final class NothingSilentTests: XCTestCase {
    func testSineIsAnAliasOfSin() throws {
        let deck = try parseDeck("t\nv1 a 0 sine(0 1 1k 0 0 90)\nv2 b 0 SINE 0 1 1k\nr1 a b 1\n.tran 1u 1m\n")
        for element in deck.elements.prefix(2) {
            guard case .voltageSource(let source) = element.kind, case .sin(let values)? = source.waveform else {
                return XCTFail("\(element.name) is not a sin source")
            }
            XCTAssertEqual(values.prefix(3), [0, 1, 1000])
        }
    }

    func testEndsWithAnotherNameClosesTheSubcircuitWithAWarning() throws {
        let deck = try parseDeck("t\n.subckt s a\nr1 a 0 1\n.ends other\nx1 n s\n.op\n")
        XCTAssertEqual(deck.elements.map(\.name), ["r.x1.r1"])
        XCTAssertEqual(deck.warnings.count, 1)
        XCTAssertTrue(deck.warnings[0].hasPrefix("test.cir:4:7: warning:"), deck.warnings[0])
        XCTAssertTrue(deck.warnings[0].hasSuffix("('other')"), deck.warnings[0])
        XCTAssertTrue(try parseDeck("t\n.subckt s a\nr1 a 0 1\n.ends s\nx1 n s\n").warnings.isEmpty)
    }
}
