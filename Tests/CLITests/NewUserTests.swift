import Foundation
import TestSupport
import XCTest

/// What a new user hit first (issue 14 §3): `--version`, a mistyped subcommand, `--raw` into a
/// missing folder, the hidden time-point cap of `.tran`, and half a million rows on the terminal.
final class NewUserTests: XCTestCase {
    private var scratch: ScratchDirectory!
    private var directory: URL { scratch.url }

    override func setUpWithError() throws { scratch = try ScratchDirectory("newuser") }
    override func tearDownWithError() throws { scratch.remove() }

    private let rc = "rc\nV1 in 0 PULSE(0 1 0 1u 1u 1m 2m)\nR1 in out 1k\nC1 out 0 1u\n"

    func testVersionPrintsThePackageVersion() throws {
        let result = try KelvinProcess.run(["--version"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".").count, 3,
                       result.stdout)
    }

    func testMistypedSubcommandSaysSoWithASuggestion() throws {
        for (typed, meant) in [("smi", "sim"), ("trian", "train"), ("plto", "plot"), ("characterise", "characterize")] {
            let result = try KelvinProcess.run([typed, "x.cir"])
            XCTAssertNotEqual(result.status, 0, typed)
            XCTAssertTrue(result.stderr.contains("unknown subcommand '\(typed)'"), result.stderr)
            XCTAssertTrue(result.stderr.contains("did you mean '\(meant)'?"), result.stderr)
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
        }
        let far = try KelvinProcess.run(["zzzzzz"])
        XCTAssertTrue(far.stderr.contains("unknown subcommand 'zzzzzz'") && !far.stderr.contains("did you mean"), far.stderr)
        XCTAssertEqual(try KelvinProcess.run(["help"]).status, 0)
    }

    func testRawIntoAMissingFolderFailsBeforeTheRun() throws {
        let deck = try scratch.write("rc.cir", rc + ".tran 1u 1m\n.end\n")
        let raw = directory.appendingPathComponent("missing/x.raw").path
        let result = try KelvinProcess.run(["sim", deck, "--raw", raw])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains(raw) && result.stderr.contains("does not exist"), result.stderr)
        XCTAssertEqual(result.stdout, "")  // nothing simulated, nothing printed
    }

    func testTransientPointCapIsCheckedUpFrontNamingTheFlag() throws {
        let deck = try scratch.write("long.cir", rc + ".tran 1n 100m\n.end\n")
        let start = Date()
        let result = try KelvinProcess.run(["sim", deck])
        XCTAssertEqual(result.status, 1)
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)  // not the 6 s run that hit the cap
        for fragment in ["\(deck):", "1e+08 time points", "limit of 5000000", "--max-points 200000000"] {
            XCTAssertTrue(result.stderr.contains(fragment), "\(fragment): \(result.stderr)")
        }
        XCTAssertFalse(result.stderr.contains("timestep too small"), result.stderr)
    }

    func testTransientPointCapKeepsWhatWasComputed() throws {
        // 1000 points at least at the 1 µs largest step: passes the up-front check with the limit
        // at 1000, then reaches the limit (breakpoints and start-up steps add points).
        let deck = try scratch.write("rc.cir", rc + ".op\n.tran 1u 1m\n.end\n")
        let out = directory.appendingPathComponent("out").path
        let result = try KelvinProcess.run(["sim", deck, "--out", out, "--max-points", "1000"])
        XCTAssertEqual(result.status, 1, result.stdout)
        XCTAssertTrue(result.stderr.contains("after 1000 time points") && result.stderr.contains("are kept"), result.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/op1.csv"))
        let rows = try String(contentsOfFile: out + "/tran1.csv", encoding: .utf8).split(separator: "\n").count - 1
        XCTAssertGreaterThan(rows, 100)
        XCTAssertLessThanOrEqual(rows, 1001)
        let raised = try KelvinProcess.run(["sim", deck, "--out", out, "--max-points", "100000"])
        XCTAssertEqual(raised.status, 0, raised.stderr)
    }

    func testLongResultsPrintASummaryAndTheEnds() throws {
        let deck = try scratch.write("rc.cir", rc + ".tran 1u 1m\n.end\n")
        let short = try KelvinProcess.run(["sim", deck])
        XCTAssertEqual(short.status, 0, short.stderr)
        let lines = short.stdout.split(separator: "\n")
        XCTAssertLessThan(lines.count, 25, short.stdout)
        XCTAssertTrue(short.stdout.contains("rows, 4 columns; time from 0 to 0.001"), short.stdout)
        XCTAssertTrue(short.stdout.contains("rows not shown: --full prints them"), short.stdout)
        XCTAssertTrue(lines.contains { $0.hasSuffix("0.001") || $0.contains("  0.001 ") }, short.stdout)
        let full = try KelvinProcess.run(["sim", deck, "--full"])
        XCTAssertEqual(full.status, 0, full.stderr)
        XCTAssertGreaterThan(full.stdout.split(separator: "\n").count, 1000)
    }

    /// Named cells are found in the `KELVIN_CELLS` folders and beside the binary, not only in
    /// ./netlists; an unknown cell lists every folder searched.
    func testCellsAreFoundThroughKELVIN_CELLS() throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let library = directory.appendingPathComponent("library")
        try FileManager.default.createDirectory(at: library, withIntermediateDirectories: true)
        let source = repository.appendingPathComponent("netlists")
        try FileManager.default.copyItem(at: source.appendingPathComponent("summing_amplifier.cir"),
                                         to: library.appendingPathComponent("my_summer.cir"))
        try FileManager.default.copyItem(at: source.appendingPathComponent("opamp.lib"),
                                         to: library.appendingPathComponent("opamp.lib"))
        let elsewhere = directory.appendingPathComponent("elsewhere")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)

        let missing = try KelvinProcess.run(["characterize", "my_summer", "--out", "t.lut"], in: elsewhere,
                                            environment: ["KELVIN_CELLS": ""])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("netlists/my_summer.cir") && missing.stderr.contains("KELVIN_CELLS"),
                      missing.stderr)
        XCTAssertTrue(missing.stderr.contains(KelvinProcess.productsDirectory.path + "/netlists/my_summer.cir"),
                      missing.stderr)

        let environment = ["KELVIN_CELLS": "/nonexistent:" + library.path]
        let listed = try KelvinProcess.run(["characterize", "--list"], in: elsewhere, environment: environment)
        XCTAssertEqual(listed.status, 0, listed.stderr)
        XCTAssertTrue(listed.stdout.contains(library.path) && listed.stdout.contains("my_summer"), listed.stdout)
        let run = try KelvinProcess.run(
            ["characterize", "my_summer", "--out", "t.lut", "--no-dynamics", "--quiet"], in: elsewhere,
            environment: environment)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: elsewhere.appendingPathComponent("t.lut").path))
    }
}
