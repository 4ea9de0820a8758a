import Foundation
import TestSupport
import XCTest

/// End-to-end checks of `kelvin characterize`: a named cell with Monte Carlo, --show, errors.
final class CharacterizeCommandTests: XCTestCase {
    private var scratch: ScratchDirectory!
    private var directory: URL { scratch.url }

    override func setUpWithError() throws { scratch = try ScratchDirectory("charcli") }
    override func tearDownWithError() throws { scratch.remove() }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    func testCharacterizeNamedCellAndShow() throws {
        let lut = directory.appendingPathComponent("sum.lut").path
        let made = try KelvinProcess.run(
            ["characterize", "summing_amplifier", "--out", lut, "--mc", "20", "--tolerance", "R=1%"], in: Self.root)
        XCTAssertEqual(made.status, 0, made.stderr)
        XCTAssertTrue(made.stdout.contains("wrote \(lut)"), made.stdout)
        XCTAssertTrue(made.stderr.contains("monte carlo 20/20"), made.stderr)
        let shown = try KelvinProcess.run(["characterize", "--show", lut])
        XCTAssertEqual(shown.status, 0, shown.stderr)
        XCTAssertTrue(shown.stdout.contains("summing_amplifier"), shown.stdout)
        XCTAssertTrue(shown.stdout.contains("20 instances"), shown.stdout)
        let svg = try String(contentsOfFile: directory.appendingPathComponent("sum.svg").path, encoding: .utf8)
        XCTAssertTrue(svg.contains("ideal: -(x + 0.5*1 + 0.2*(-2))"))
    }

    func testExplicitNetlistSpec() throws {
        let deck = directory.appendingPathComponent("d.cir")
        try "d\nV1 in 0 0\nR1 in out 1k\nR2 out 0 1k\n.end\n".write(to: deck, atomically: true, encoding: .utf8)
        let lut = directory.appendingPathComponent("d.lut").path
        let made = try KelvinProcess.run(
            ["characterize", "--netlist", deck.path, "--input", "V1=0:2:5", "--output", "out", "--ideal", "x/2", "--out", lut])
        XCTAssertEqual(made.status, 0, made.stderr)
        let shown = try KelvinProcess.run(["characterize", "--show", lut, "--plot", directory.appendingPathComponent("p.svg").path])
        XCTAssertEqual(shown.status, 0, shown.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory.appendingPathComponent("p.svg").path))
    }

    func testErrorsAreOneLineWithNonZeroExit() throws {
        let unknown = try KelvinProcess.run(["characterize", "nope", "--out", "x.lut"], in: Self.root)
        XCTAssertEqual(unknown.status, 1)
        XCTAssertTrue(unknown.stderr.hasPrefix("kelvin: error: unknown cell 'nope'"), unknown.stderr)
        let bad = directory.appendingPathComponent("bad.lut")
        try Data("KELVLUT\n\u{1}\0\0\0".utf8).write(to: bad)
        let shown = try KelvinProcess.run(["characterize", "--show", bad.path])
        XCTAssertEqual(shown.status, 1)
        XCTAssertEqual(shown.stderr, "kelvin: \(bad.path): error: truncated file: ends inside the header length\n")
    }
}
