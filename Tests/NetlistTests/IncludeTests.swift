import Foundation
import XCTest

import TestSupport

@testable import Netlist

final class IncludeTests: XCTestCase {
    func resourcePath(_ name: String) throws -> String {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "Resources", withExtension: nil))
        return url.path + "/" + name
    }

    func testIncludeAndLibraryFromResources() throws {
        let deck = try NetlistParser.parse(file: try resourcePath("top.cir"))
        XCTAssertEqual(deck.title, "Include and library test deck")
        XCTAssertEqual(deck.elements.map(\.name), ["r_more", "rshared", "v1", "d1", "r.xbuf.r1"])
        XCTAssertEqual(deck.resistance("r.xbuf.r1"), 1000)  // the `fast` section, not `slow`
        XCTAssertEqual(deck.resistance("r_more"), 10_000)
        guard case .voltageSource(let v1)? = deck.element("v1")?.kind else { return XCTFail() }
        XCTAssertEqual(v1.dc, 3.3)
        guard case .diode(let model, _)? = deck.element("d1")?.kind else { return XCTFail() }
        XCTAssertEqual(model.parameters["is"], 1e-14)
        XCTAssertTrue(model.location.file.hasSuffix("sub/models.inc"))
        XCTAssertEqual(model.location.line, 2)
        let rMore = try XCTUnwrap(deck.element("r_more"))
        XCTAssertTrue(rMore.location.file.hasSuffix("more.inc"))
        XCTAssertEqual(rMore.location.line, 1)
        XCTAssertEqual(deck.analyses.count, 1)
    }

    func testMissingIncludeFileNamesLocationAndPath() throws {
        let dir = try temporaryDirectory()
        let path = try writeFile("missing include\nr1 a 0 1\n.include nothere/missing.inc\n", named: "deck.cir", in: dir)
        do {
            _ = try NetlistParser.parse(file: path)
            XCTFail("expected an error")
        } catch let error as NetlistError {
            assertDescription(error, at: "\(path):3:10", token: "nothere/missing.inc", message: "cannot open")
        }
    }

    func testMissingIncludeFromText() {
        assertParseError(
            "t\n.include 'gone.inc'\n", at: "deck.cir:2:10", token: "gone.inc", file: "deck.cir", directory: "/nonexistent")
    }

    func testMissingLibrarySection() throws {
        let dir = try temporaryDirectory()
        try writeFile(".lib a\nr1 x 0 1\n.endl\n", named: "l.lib", in: dir)
        assertParseError(
            "t\n.lib l.lib b\n", at: "d.cir:2:6", token: "b", message: "no such section", file: "d.cir", directory: dir)
    }

    func testRecursiveInclude() throws {
        let dir = try temporaryDirectory()
        try writeFile("r1 a 0 1\n.include b.inc\n", named: "a.inc", in: dir)
        try writeFile(".include a.inc\n", named: "b.inc", in: dir)
        let error = parseError("t\n.include a.inc\n", file: "d.cir", directory: dir)
        guard let error else { return }
        assertDescription(error, at: "\(dir)/b.inc:1:10", token: "a.inc", message: "includes itself")
    }

    func testIncludedFileErrorsReportTheIncludedFile() throws {
        let dir = try temporaryDirectory()
        try writeFile("r1 a 0 1\nr2 a 0 oops\n", named: "bad.inc", in: dir)
        assertParseError("t\n.include bad.inc\n", at: "\(dir)/bad.inc:2:8", token: "oops", file: "d.cir", directory: dir)
    }

    func testLibrarySectionsInTheMainDeckAreSkipped() throws {
        let deck = try parseDeck("t\n.lib unused\nr9 a 0 1\n.endl\nr1 a 0 1\n")
        XCTAssertEqual(deck.elements.map(\.name), ["r1"])
    }

    func testMissingTopLevelFile() {
        do {
            _ = try NetlistParser.parse(file: "/nonexistent/deck.cir")
            XCTFail("expected an error")
        } catch let error as NetlistError {
            assertDescription(error, at: "/nonexistent/deck.cir:1:1", token: "/nonexistent/deck.cir")
        } catch {
            XCTFail("\(error)")
        }
    }
}
