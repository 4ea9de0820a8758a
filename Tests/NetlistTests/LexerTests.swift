import XCTest

import TestSupport

@testable import Netlist

final class LexerTests: XCTestCase {
    func testTitleIsFirstLineEvenIfItLooksLikeACard() throws {
        let deck = try parseDeck("R1 a b 1k\nr2 a 0 1k\n")
        XCTAssertEqual(deck.title, "R1 a b 1k")
        XCTAssertEqual(deck.elements.map(\.name), ["r2"])
    }

    func testTitleKeepsCaseAndTitleOnlyDeckIsValid() throws {
        let deck = try parseDeck("  My Amplifier Test  ")
        XCTAssertEqual(deck.title, "My Amplifier Test")
        XCTAssertTrue(deck.elements.isEmpty)
    }

    func testDotTitleOverrides() throws {
        let deck = try parseDeck("first\n.title Second Title\nr1 a 0 1\n")
        XCTAssertEqual(deck.title, "Second Title")
    }

    func testCommentsAndBlankLines() throws {
        let deck = try parseDeck(
            """
            comments
            * a comment line
               * an indented comment

            r1 a 0 1k ; inline comment r9 b 0 1
            r2 a 0 2k $ dollar comment
            r3 a$b 0 3k
            \tr4 a 0 4k
            """)
        XCTAssertEqual(deck.elements.map(\.name), ["r1", "r2", "r3", "r4"])
        XCTAssertEqual(deck.element("r3")?.nodes, ["a$b", "0"])
        XCTAssertEqual(deck.resistance("r2"), 2000)
    }

    func testContinuationLinesKeepTokenLocations() throws {
        let deck = try parseDeck(
            """
            continuation
            r1 a
            * a comment between card and continuation
            + b
              +  1k
            .tran 1n
            + 10n
            """)
        XCTAssertEqual(deck.element("r1")?.nodes, ["a", "b"])
        XCTAssertEqual(deck.resistance("r1"), 1000)
        XCTAssertEqual(deck.analyses.count, 1)
        // A bad token on a continuation line is reported at its physical position.
        assertParseError("t\nr1 a\n+ b\n+   1q.q\n", at: "test.cir:4:5", token: "1q.q")
    }

    func testCaseInsensitive() throws {
        let deck = try parseDeck(
            """
            case
            R1 NodeA GND 1K
            .MODEL DMOD D (IS=1E-14)
            D1 NodeA 0 dMoD
            .OP
            """)
        XCTAssertEqual(deck.element("r1")?.nodes, ["nodea", "0"])
        guard case .diode(let model, _)? = deck.element("d1")?.kind else { return XCTFail("d1") }
        XCTAssertEqual(model.name, "dmod")
        XCTAssertEqual(model.type, "d")
        XCTAssertEqual(model.parameters["is"], 1e-14)
        XCTAssertEqual(deck.analyses.count, 1)
    }

    func testCRLFLineEndings() throws {
        let deck = try parseDeck("crlf\r\nr1 a 0 1k\r\n+ \r\nr2 a 0 2k\r\n")
        XCTAssertEqual(deck.elements.map(\.name), ["r1", "r2"])
        XCTAssertEqual(deck.title, "crlf")
    }

    func testElementLocations() throws {
        let deck = try parseDeck("loc\n\n   r1 a 0 1k\n")
        XCTAssertEqual(deck.element("r1")?.location, SourceLocation(file: "test.cir", line: 3, column: 4))
    }

    func testTokenizerSeparators() throws {
        let line = LogicalLine(
            file: "f", scalars: Array("v1 a,b PULSE(0 1){x*2} 'y' \"Path File\"".unicodeScalars),
            segments: [.init(offset: 0, line: 1, column: 1)])
        let tokens = try Lexer.tokenize(line)
        XCTAssertEqual(tokens.map(\.text), ["v1", "a", "b", "PULSE", "(", "0", "1", ")", "{x*2}", "'y'", "Path File"])
        XCTAssertEqual(tokens[8].kind, .expression)
        XCTAssertEqual(tokens[9].kind, .expression)
        XCTAssertEqual(tokens[3].lower, "pulse")
        XCTAssertEqual(tokens[5].location.column, 14)
    }

    func testContinuationWithoutCardIsAnError() {
        assertParseError("title\n+ r1 a 0 1\n", at: "test.cir:2:1", token: "+")
    }

    func testUnterminatedBrace() {
        assertParseError("t\nr1 a 0 {1+2\n", at: "test.cir:2:8", token: "{")
    }
}
