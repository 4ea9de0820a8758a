import Foundation
import TestSupport
import XCTest

/// End-to-end checks of `kelvin sim`: output files and one-line errors with a non-zero exit.
final class SimCommandTests: XCTestCase {
    private var scratch: ScratchDirectory!
    private var directory: URL { scratch.url }

    override func setUpWithError() throws { scratch = try ScratchDirectory("cli") }
    override func tearDownWithError() throws { scratch.remove() }

    func testWritesOneCSVPerAnalysisAndASummary() throws {
        let deck = try scratch.write(
            "divider.cir",
            """
            divider
            V1 in 0 10
            R1 in out 1k
            R2 out 0 3k
            .op
            .dc V1 0 10 5
            .end
            """)
        let outDir = directory.appendingPathComponent("out").path
        let result = try KelvinProcess.run(["sim", deck, "--out", outDir])
        XCTAssertEqual(result.status, 0, result.stderr)
        let op = try String(contentsOfFile: outDir + "/op1.csv", encoding: .utf8)
        let dc = try String(contentsOfFile: outDir + "/dc1.csv", encoding: .utf8)
        XCTAssertEqual(op.split(separator: "\n").first, "v(in),v(out),i(v1)")
        let opValues = op.split(separator: "\n")[1].split(separator: ",").compactMap { Double($0) }
        XCTAssertEqual(opValues.count, 3)
        XCTAssertEqual(opValues[1], 7.5, accuracy: 1e-9)
        XCTAssertEqual(opValues[2], -2.5e-3, accuracy: 1e-12)  // into + through the source
        XCTAssertEqual(dc.split(separator: "\n").first, "v-sweep,v(in),v(out),i(v1)")
        XCTAssertEqual(dc.split(separator: "\n").count, 4)
        XCTAssertTrue(result.stdout.contains("2 analyses (op1, dc1), 4 points"), result.stdout)
    }

    /// The plain forms are parsed by hand (`SimRun`), everything else by argument-parser: both
    /// must accept the same arguments and give the same results and usage errors.
    func testArgumentFormsAndUsageErrors() throws {
        let deck = try scratch.write("divider.cir", "divider\nV1 in 0 10\nR1 in out 1k\nR2 out 0 3k\n.op\n.end\n")
        let a = directory.appendingPathComponent("a").path, b = directory.appendingPathComponent("b").path
        let raw = directory.appendingPathComponent("r.raw").path
        for arguments in [["sim", deck, "--out", a], ["sim", "--out=\(b)", "--raw", raw, deck]] {
            let result = try KelvinProcess.run(arguments)
            XCTAssertEqual(result.status, 0, "\(arguments): \(result.stderr)")
        }
        XCTAssertEqual(try String(contentsOfFile: a + "/op1.csv", encoding: .utf8),
                       try String(contentsOfFile: b + "/op1.csv", encoding: .utf8))
        XCTAssertTrue(FileManager.default.fileExists(atPath: raw))
        let help = try KelvinProcess.run(["sim", "--help"])
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.stdout.contains("USAGE: kelvin sim <deck>"), help.stdout)
        for bad in [["sim"], ["sim", deck, "--out"], ["sim", deck, "--bogus", "x"], ["sim", deck, deck]] {
            let result = try KelvinProcess.run(bad)
            XCTAssertNotEqual(result.status, 0, "\(bad)")
            XCTAssertTrue(result.stderr.contains("Usage: kelvin sim") || result.stderr.contains("USAGE: kelvin sim"),
                          "\(bad): \(result.stderr)")
        }
    }

    /// Every bad input ends with exit status 1 and exactly one line on stderr naming the place.
    func testBadInputGivesOneLineErrorAndNonZeroExit() throws {
        let cases: [(name: String, text: String, expected: String)] = [
            ("empty.cir", "", "empty.cir:1:1"),
            ("truncated.cir", "t\nR1 a\n.op\n", "truncated.cir:2:1"),
            ("letter.cir", "t\nZ1 a 0 1\n.op\n", "letter.cir:2:1"),
            ("number.cir", "t\nR1 a 0 1x2q\n.op\n", "number.cir:2:8"),
            ("model.cir", "t\nV1 a 0 1\nD1 a 0 nomodel\n.op\n", "model.cir:3"),
            ("floating.cir", "t\nV1 a 0 1\nC1 a b 1u\nR1 b c 1k\n.op\n", "'b', 'c'"),
            ("noanalysis.cir", "t\nV1 a 0 1\nR1 a 0 1k\n", "noanalysis.cir:1:1: error: no analysis"),
            ("typo.cir", "t\nV1 a 0 1\nR1 a 0 1k\n.opp\n", "typo.cir:4:1: error: unknown dot card; did you mean `.op`?"),
        ]
        for c in cases {
            let path = try scratch.write(c.name, c.text)
            let result = try KelvinProcess.run(["sim", path])
            XCTAssertEqual(result.status, 1, "\(c.name): \(result.stdout)")
            let lines = result.stderr.split(separator: "\n")
            XCTAssertEqual(lines.count, 1, "\(c.name): \(result.stderr)")
            XCTAssertTrue(result.stderr.hasPrefix("kelvin: "), result.stderr)
            XCTAssertTrue(result.stderr.contains(c.expected), "\(c.name): \(result.stderr)")
        }
    }

    /// A located warning goes to stderr as `kelvin: FILE:LINE:COL: warning: ... ('TOKEN')`; the run succeeds.
    func testWarningsAreLocatedAndTheRunGoesOn() throws {
        let path = try scratch.write(
            "warn.cir", "t\n.model q1 NPN(BFF=20 BF=50)\nV1 c 0 1\nR1 c b 10k\nQ1 c b 0 q1\n.op\n")
        let result = try KelvinProcess.run(["sim", path])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("kelvin: \(path):2:15: warning: unknown BJT model parameter"), result.stderr)
        XCTAssertTrue(result.stderr.contains("('bff')"), result.stderr)
    }

    func testBinaryGarbageAndMissingFileAreRejectedCleanly() throws {
        let garbage = directory.appendingPathComponent("garbage.cir")
        var bytes = [UInt8](repeating: 0, count: 512)
        var generator = SeededGenerator(seed: 7)
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255, using: &generator) }
        try Data(bytes).write(to: garbage)
        for path in [garbage.path, directory.appendingPathComponent("missing.cir").path] {
            let result = try KelvinProcess.run(["sim", path])
            XCTAssertEqual(result.status, 1)
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
        }
    }
}
