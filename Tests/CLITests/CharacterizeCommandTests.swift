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
        // The deck's path in place of a cell name reads it as --netlist.
        let byPath = try KelvinProcess.run(
            ["characterize", deck.path, "--input", "V1=0:2:5", "--output", "out", "--ideal", "x/2", "--out", lut + "2"])
        XCTAssertEqual(byPath.status, 0, byPath.stderr)
        let shownByPath = try KelvinProcess.run(["characterize", "--show", lut + "2"])
        XCTAssertTrue(shownByPath.stdout.contains("cell         d  (\(deck.path))"), shownByPath.stdout)
        XCTAssertTrue(shownByPath.stdout.contains("max |table − ideal| = 0 V"), shownByPath.stdout)
    }

    /// The two cells that gained headers in format v2: the hold cell's table carries its droop τ,
    /// the VCR amplifier's is 2-D (vin × vg) with its separable fit; --optime sets one operation.
    func testHoldAndVCRCellsAndOperationTime() throws {
        let hold = directory.appendingPathComponent("hold.lut").path
        let made = try KelvinProcess.run(["characterize", "sample_hold_weight", "--out", hold], in: Self.root)
        XCTAssertEqual(made.status, 0, made.stderr)
        let shownHold = try KelvinProcess.run(["characterize", "--show", hold])
        XCTAssertTrue(shownHold.stdout.contains("hold droop   τ = 0.989"), shownHold.stdout)
        XCTAssertTrue(shownHold.stdout.contains("format v2"), shownHold.stdout)
        let vcr = directory.appendingPathComponent("vcr.lut").path
        let madeVCR = try KelvinProcess.run(["characterize", "nmos_vcr_amplifier", "--out", vcr], in: Self.root)
        XCTAssertEqual(madeVCR.status, 0, madeVCR.stderr)
        let shownVCR = try KelvinProcess.run(["characterize", "--show", vcr])
        XCTAssertTrue(shownVCR.stdout.contains("vin -0.05…0.05 V, 21 points × vg 2…5 V, 13 points"), shownVCR.stdout)
        XCTAssertTrue(shownVCR.stdout.contains("separable    rank 2"), shownVCR.stdout)
        let sum = directory.appendingPathComponent("sum.lut").path
        let stated = try KelvinProcess.run(["characterize", "summing_amplifier", "--out", sum, "--optime", "1u"], in: Self.root)
        XCTAssertEqual(stated.status, 0, stated.stderr)
        let shownSum = try KelvinProcess.run(["characterize", "--show", sum])
        XCTAssertTrue(shownSum.stdout.contains("over one operation of 1e-06 s (stated)"), shownSum.stdout)
        let negative = try KelvinProcess.run(["characterize", "summing_amplifier", "--out", sum, "--optime=-1u"], in: Self.root)
        XCTAssertEqual(negative.status, 1)
        XCTAssertTrue(negative.stderr.hasPrefix("kelvin: error: bad --optime '-1u'"), negative.stderr)
        let noStep = try KelvinProcess.run(["characterize", "log_converter", "--out", sum, "--optime", "1u"], in: Self.root)
        XCTAssertEqual(noStep.status, 1)
        XCTAssertTrue(noStep.stderr.contains("--optime needs the transient step measurement"), noStep.stderr)
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
