import XCTest

import TestSupport

@testable import Netlist

final class ExpressionTests: XCTestCase {
    /// Evaluates `expression` through a `.param` card.
    func evaluate(_ expression: String, _ extra: String = "") throws -> Double {
        let deck = try parseDeck("expr\n\(extra)\n.param result=\(expression)\nr1 a 0 {result}\n")
        return try XCTUnwrap(deck.resistance("r1"))
    }

    func testArithmeticAndPrecedence() throws {
        XCTAssertEqual(try evaluate("{1+2*3}"), 7)
        XCTAssertEqual(try evaluate("{(1+2)*3}"), 9)
        XCTAssertEqual(try evaluate("{2^3^2}"), 512)
        XCTAssertEqual(try evaluate("{2**3}"), 8)
        XCTAssertEqual(try evaluate("{-2^2}"), -4)
        XCTAssertEqual(try evaluate("{10/4-1}"), 1.5)
        XCTAssertEqual(try evaluate("{--3}"), 3)
        XCTAssertEqual(try evaluate("{2k*3}"), 6000)
        XCTAssertEqual(try evaluate("{1e3/1MEG}"), 1e-3)
    }

    func testComparisonsLogicAndTernary() throws {
        XCTAssertEqual(try evaluate("{1 < 2}"), 1)
        XCTAssertEqual(try evaluate("{1 >= 2}"), 0)
        XCTAssertEqual(try evaluate("{2 == 2 && 3 != 4}"), 1)
        XCTAssertEqual(try evaluate("{0 || !0}"), 1)
        XCTAssertEqual(try evaluate("{1 <= 1 ? 10 : 20}"), 10)
        XCTAssertEqual(try evaluate("{1 > 1 ? 10 : 2 > 1 ? 30 : 40}"), 30)
    }

    func testFunctions() throws {
        assertClose(try evaluate("{exp(1)}"), M_E, relative: 1e-15)
        assertClose(try evaluate("{log(exp(2))}"), 2, relative: 1e-15)  // natural log, as ngspice
        assertClose(try evaluate("{ln(exp(3))}"), 3, relative: 1e-15)
        assertClose(try evaluate("{log10(1000)}"), 3, relative: 1e-15)
        XCTAssertEqual(try evaluate("{sqrt(16)}"), 4)
        XCTAssertEqual(try evaluate("{pow(2, 10)}"), 1024)
        XCTAssertEqual(try evaluate("{abs(-3)}"), 3)
        XCTAssertEqual(try evaluate("{min(3, 1, 2)}"), 1)
        XCTAssertEqual(try evaluate("{max(3, 1, 2)}"), 3)
        assertClose(try evaluate("{sin(pi/2)}"), 1, relative: 1e-15)
        assertClose(try evaluate("{cos(0)}"), 1, relative: 1e-15)
        assertClose(try evaluate("{tan(pi/4)}"), 1, relative: 1e-12)
        assertClose(try evaluate("{atan(1)*4}"), Double.pi, relative: 1e-15)
        assertClose(try evaluate("{tanh(0.5)}"), tanh(0.5), relative: 1e-15)
        assertClose(try evaluate("{sinh(1)}"), sinh(1), relative: 1e-15)
        assertClose(try evaluate("{cosh(1)}"), cosh(1), relative: 1e-15)
        XCTAssertEqual(try evaluate("{floor(-1.5)}"), -2)
        XCTAssertEqual(try evaluate("{ceil(1.2)}"), 2)
        XCTAssertEqual(try evaluate("{int(-1.7)}"), -1)
        XCTAssertEqual(try evaluate("{sgn(-4)}"), -1)
        XCTAssertEqual(try evaluate("{sgn(0)}"), 0)
        XCTAssertEqual(try evaluate("{PI}"), Double.pi)
    }

    func testQuotedAndUnbracedParameters() throws {
        XCTAssertEqual(try evaluate("'3*4'"), 12)
        XCTAssertEqual(try evaluate("2*3+1"), 7)
        XCTAssertEqual(try evaluate("max(1,2)"), 2)
        XCTAssertEqual(try evaluate("1k"), 1000)
    }

    func testParamsSeveralPerLineAndOrdering() throws {
        let deck = try parseDeck(
            """
            params
            .param a=1 b={a*2}, c = b + 1
            .param d='c*10' e=1k
            r1 n 0 {d}
            r2 n 0 e
            r3 n 0 {b*e}
            r4 n 0 'a+b+c'
            """)
        XCTAssertEqual(deck.resistance("r1"), 30)
        XCTAssertEqual(deck.resistance("r2"), 1000)
        XCTAssertEqual(deck.resistance("r3"), 2000)
        XCTAssertEqual(deck.resistance("r4"), 6)
    }

    func testParamUsedBeforeItsCard() throws {
        let deck = try parseDeck("p\nr1 a 0 {rval*2}\n.param rval=5\n")
        XCTAssertEqual(deck.resistance("r1"), 10)
    }

    func testParameterNamedLikeConstantWins() throws {
        let deck = try parseDeck("p\n.param pi=3\nr1 a 0 {pi}\n")
        XCTAssertEqual(deck.resistance("r1"), 3)
    }

    func testUndefinedParameterReportsNameAndLocation() {
        assertParseError(
            "t\n.param a=1\nr1 a 0 {a + missing}\n", at: "test.cir:3:13", token: "missing", message: "undefined parameter")
        assertParseError("t\n.param x={y*2}\n", at: "test.cir:2:11", token: "y")
    }

    func testExpressionErrors() {
        assertParseError("t\nr1 a 0 {1 +}\n", at: "test.cir:2:12", token: "1 +")
        assertParseError("t\nr1 a 0 {1 # 2}\n", at: "test.cir:2:11", token: "#")
        assertParseError("t\nr1 a 0 {foo(1)}\n", at: "test.cir:2:9", token: "foo", message: "unknown function")
        assertParseError("t\nr1 a 0 {pow(1)}\n", at: "test.cir:2:9", token: "pow", message: "argument")
        assertParseError("t\nr1 a 0 {1/0}\n", at: "test.cir:2:8", token: "{1/0}", message: "not finite")
        assertParseError("t\nr1 a 0 {(1+2}\n", at: "test.cir:2:13", token: "(1+2", message: "expected ')'")
        assertParseError("t\nr1 a 0 {}\n", at: "test.cir:2:9", token: "", message: "empty")
    }
}
