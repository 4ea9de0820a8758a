import Foundation
import XCTest

import TestSupport

@testable import Netlist

/// One test per kind of bad input: each checks the one-line `FILE:LINE:COL: error: MESSAGE ('TOKEN')`.
final class BadInputTests: XCTestCase {
    func testEmptyFile() {
        assertParseError("", at: "test.cir:1:1", token: "<eof>", message: "empty netlist")
        assertParseError("  \n\t\n\n", at: "test.cir:1:1", token: "<eof>", message: "empty netlist")
        guard case .emptyInput? = parseError("") else { return XCTFail() }
    }

    func testTruncatedElementLine() {
        assertParseError("t\nr1 a\n", at: "test.cir:2:1", token: "r1", message: "expected 2 nodes and a value")
        assertParseError("t\nR7 a b\n", at: "test.cir:2:1", token: "r7", message: "resistance")
        assertParseError("t\nc1 a\n", at: "test.cir:2:1", token: "c1")
        assertParseError("t\nv1 a\n", at: "test.cir:2:1", token: "v1")
        assertParseError("t\ne1 a 0 b 0\n", at: "test.cir:2:1", token: "e1")
        assertParseError("t\nf1 a 0 vx\n", at: "test.cir:2:1", token: "f1")
        assertParseError("t\nd1 a 0\n", at: "test.cir:2:1", token: "d1")
        assertParseError("t\nq1 c b\n", at: "test.cir:2:1", token: "q1")
        assertParseError("t\nm1 d g s b\n", at: "test.cir:2:1", token: "m1")
        assertParseError("t\ns1 a b c d\n", at: "test.cir:2:1", token: "s1")
        assertParseError("t\nw1 a b vx\n", at: "test.cir:2:1", token: "w1")
        assertParseError("t\nv1 a 0 dc\n", at: "test.cir:2:8", token: "dc")
        assertParseError("t\nm1 d g s b nm w=\n.model nm nmos\n", at: "test.cir:2:15", token: "w")
    }

    func testUnknownElementLetter() {
        assertParseError("t\nr1 a 0 1\n  %bad a 0 1\n", at: "test.cir:3:3", token: "%bad", message: "unknown element")
        assertParseError("t\n1r a 0 1\n", at: "test.cir:2:1", token: "1r")
    }

    func testBadNumber() {
        assertParseError("t\nr1 a 0 1.2.3\n", at: "test.cir:2:8", token: "1.2.3", message: "expected a number")
        assertParseError("t\nr1 a 0 abc\n", at: "test.cir:2:8", token: "abc", message: "expected a number")
        assertParseError("t\nc1 a 0 1u ic=x1\n", at: "test.cir:2:14", token: "x1")
        assertParseError("t\n.model d1 d is=zz\n d2 a 0 d1\n", at: "test.cir:2:16", token: "zz")
        guard case .invalidNumber? = parseError("t\nr1 a 0 1.2.3\n") else { return XCTFail() }
    }

    func testMissingModel() {
        assertParseError("t\n\nd1 a 0 nosuch\n", at: "test.cir:3:1", token: "nosuch", message: "undefined model")
        assertParseError("t\nq1 c b e nomodel\n", at: "test.cir:2:1", token: "nomodel")
        assertParseError("t\nm1 d g s b nomos w=1u\n", at: "test.cir:2:1", token: "nomos")
    }

    func testModelOnlyInAnotherSubcircuitIsMissing() {
        assertParseError(
            "t\n.subckt a p\n.model dm d\n.ends\n.subckt b p\nd1 p 0 dm\n.ends\nx1 n b\n", at: "test.cir:6:1",
            token: "dm", message: "undefined model")
    }

    func testUndefinedParameter() {
        assertParseError("t\nr1 a 0 {rload}\n", at: "test.cir:2:9", token: "rload", message: "undefined parameter")
        guard case .undefinedParameter(_, "rload")? = parseError("t\nr1 a 0 {rload}\n") else { return XCTFail() }
    }

    func testWrongNodeCount() {
        assertParseError(
            "t\n.subckt two a b\nr1 a b 1\n.ends\nx7 n1 n2 n3 two\n", at: "test.cir:5:1", token: "x7",
            message: "subcircuit 'two' has 2 nodes, instance connects 3")
    }

    func testRecursiveSubcircuit() {
        assertParseError(
            "t\n.subckt loop a\nx1 a loop\n.ends\nx0 n loop\n", at: "test.cir:3:1", token: "loop", message: "recursive")
    }

    func testMissingIncludeFile() {
        assertParseError(
            "t\n\n.include models/none.lib\n", at: "main.cir:3:10", token: "models/none.lib",
            message: "cannot open included file", file: "main.cir")
        assertParseError(
            "t\n.lib 'lib/none.lib' tt\n", at: "main.cir:2:6", token: "lib/none.lib", file: "main.cir")
    }

    func testDuplicateElementName() {
        assertParseError(
            "t\nr1 a 0 1\nc1 a 0 1\nR1 b 0 2\n", at: "test.cir:4:1", token: "r1",
            message: "duplicate element name (first defined at test.cir:2:1)")
    }

    func testBinaryGarbage() throws {
        // Control characters in decoded text.
        assertParseError("title\nr1 a 0 1\u{0}\u{1}\u{2}\n", at: "test.cir:2:9", token: "\\x00", message: "binary")
        // Invalid UTF-8 bytes in a file.
        let dir = try temporaryDirectory()
        let path = dir + "/garbage.cir"
        var bytes = Array("title\nr1 a 0 1k\nr2 ".utf8)
        bytes += [0xFF, 0xFE, 0x00, 0x80, 0xC3]
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        do {
            _ = try NetlistParser.parse(file: path)
            XCTFail("expected an error")
        } catch let error as NetlistError {
            assertDescription(error, at: "\(path):3:4", token: "\\xFF", message: "not UTF-8")
        }
        // Random bytes never crash the parser and always give a NetlistError.
        var generator = SeededGenerator(seed: 42)
        for trial in 0..<200 {
            let count = Int.random(in: 0..<300, using: &generator)
            let random = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let file = dir + "/random\(trial).cir"
            try Data(random).write(to: URL(fileURLWithPath: file))
            do {
                _ = try NetlistParser.parse(file: file)
            } catch let error as NetlistError {
                XCTAssertFalse(error.description.contains("\n"))
            }
        }
    }

    func testRandomPrintableDecksNeverCrash() {
        var generator = SeededGenerator(seed: 7)
        let alphabet = Array("rcvlxqmdes.+*;$=(){}'\" \n0123456789abkmu-_,:")
        for _ in 0..<500 {
            let count = Int.random(in: 1..<120, using: &generator)
            let text = String((0..<count).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
            do {
                _ = try parseDeck(text)
            } catch let error as NetlistError {
                XCTAssertFalse(error.description.contains("\n"))
            } catch {
                XCTFail("non-NetlistError \(error)")
            }
        }
    }
}
