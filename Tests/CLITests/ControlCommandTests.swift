import Foundation
import TestSupport
import XCTest

/// `kelvin sim` with `.control`, `.meas`, `.save` and `.step`: located errors, `meas.csv`,
/// `--save-only`, the rawfile's `.save` vectors and Kelvin's `deriv` (ngspice-39 has none).
final class ControlCommandTests: XCTestCase {
    private var scratch: ScratchDirectory!

    override func setUpWithError() throws { scratch = try ScratchDirectory("control-cli") }
    override func tearDownWithError() throws { scratch.remove() }

    func run(_ deck: String, _ arguments: [String] = []) throws -> KelvinProcess.Outcome {
        let path = try scratch.write("deck.cir", deck)
        return try KelvinProcess.run(["sim", path] + arguments, in: scratch.url)
    }

    func testUnknownControlCommandIsALocatedErrorNamingIt() throws {
        let result = try run("t\nv1 a 0 1\nr1 a 0 1\n.control\nop\n  gnuplot g v(a)\n.endc\n")
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("deck.cir:6:3:"), result.stderr)
        XCTAssertTrue(result.stderr.contains("('gnuplot')"), result.stderr)
        // `plot` is skipped with a located warning, as ngspice -b skips it.
        let plot = try run("t\nv1 a 0 1\nr1 a 0 1\n.control\nop\nplot v(a)\necho after\n.endc\n")
        XCTAssertEqual(plot.status, 0, plot.stderr)
        XCTAssertTrue(plot.stderr.contains("deck.cir:6:1: warning: `plot` needs graphics"), plot.stderr)
        XCTAssertTrue(plot.stdout.contains("after\n"), plot.stdout)
        let typo = try run("t\nv1 a 0 1\nr1 a 0 1\n.control\nop\nprnt v(a)\n.endc\n")
        XCTAssertTrue(typo.stderr.contains("deck.cir:6:1: unknown .control command ('prnt')"), typo.stderr)
        let block = try run("t\nv1 a 0 1\nr1 a 0 1\n.control\nop\nif 1\necho x\nend\n.endc\n")
        XCTAssertTrue(block.stderr.contains("deck.cir:6:1:") && block.stderr.contains("('if')"), block.stderr)
        let open = try run("t\nv1 a 0 1\nr1 a 0 1\n.control\nforeach x 1 2\nop\n.endc\n")
        XCTAssertTrue(open.stderr.contains("deck.cir:5:1:") && open.stderr.contains("without `end`"), open.stderr)
    }

    func testBadVectorAndMeasurementSyntaxAreLocated() throws {
        let vector = try run("t\nv1 a 0 1\nr1 a 0 1\n.control\nop\nprint v(nope)\n.endc\n")
        XCTAssertEqual(vector.status, 1)
        XCTAssertTrue(vector.stderr.contains("deck.cir:6:1:") && vector.stderr.contains("v(nope)"), vector.stderr)
        let meas = try run("t\nv1 a 0 1\nr1 a 0 1\n.tran 1u 10u\n.meas tran x frobnicate v(a)\n")
        XCTAssertEqual(meas.status, 0)
        XCTAssertTrue(meas.stderr.contains(" .meas tran x frobnicate v(a) failed!"), meas.stderr)
        XCTAssertTrue(meas.stderr.contains("deck.cir:5:7: unknown measurement function")
                      && meas.stderr.contains("('frobnicate')"), meas.stderr)
    }

    /// As ngspice -b, the analysis cards run after a block that ran none (and not after `quit`).
    func testCardsRunAfterABlockThatRanNoAnalysis() throws {
        let result = try run("t\nv1 a 0 1\nr1 a 0 1\n.op\n.control\necho hi\n.endc\n", ["--out", "o"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("hi\n") && result.stdout.contains("1 analysis (op1)"), result.stdout)
        let quit = try run("t\nv1 a 0 1\nr1 a 0 1\n.op\n.control\necho hi\nquit\n.endc\n")
        XCTAssertTrue(quit.stdout.contains("0 analyses"), quit.stdout)
    }

    /// `option temp=` re-evaluates the circuit (ControlFixtureTests compares it with ngspice);
    /// `defw` and friends, read only while the deck is parsed, are errors at the line.
    func testOptionDefwInControlIsAnError() throws {
        let result = try run("t\nv1 a 0 1\nr1 a 0 1k tc1=0.01\n.control\nop\noption defw=1u\nop\n.endc\n")
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("deck.cir:6:1:") && result.stderr.contains("option defw"), result.stderr)
        let hot = try run("t\nv1 a 0 1\nr1 a 0 1k tc1=0.01\n.control\noption temp=127\nop\nprint i(v1)\n.endc\n")
        XCTAssertEqual(hot.status, 0, hot.stderr)
        XCTAssertTrue(hot.stdout.contains("i(v1) = -5.00000e-04"), hot.stdout)
    }

    func testStepIsLTspicesAndALocatedError() throws {
        let result = try run("t\nv1 a 0 1\nr1 a 0 {r}\n.param r=1\n.step param r 1 2 1\n.op\n")
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("deck.cir:5:1:") && result.stderr.contains("LTspice"), result.stderr)
    }

    func testMeasCSVHasEveryMeasurementAndFailures() throws {
        let result = try run(
            """
            rc
            v1 in 0 pulse(0 1 0 1n 1n 1 2)
            r1 in out 1k
            c1 out 0 1u
            .tran 10u 5m
            .meas tran t_half when v(out)=0.5
            .meas tran never when v(out)=2
            .control
            run
            meas tran v_end find v(out) at=5m
            .endc
            """, ["--out", "out"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let csv = try String(contentsOf: scratch.url.appendingPathComponent("out/meas.csv"), encoding: .utf8)
        let rows = csv.split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
        XCTAssertEqual(rows.first, ["name", "analysis", "value"])
        XCTAssertEqual(rows.dropFirst().map { $0[0] }, ["t_half", "never", "v_end"])
        XCTAssertEqual(Double(rows[1][2]) ?? 0, 1e-3 * log(2), accuracy: 2e-3 * 1e-3 * log(2))
        XCTAssertEqual(rows[2][2], "failed")
        XCTAssertEqual(Double(rows[3][2]) ?? 0, 1 - exp(-5), accuracy: 1e-3)
        XCTAssertTrue(FileManager.default.fileExists(atPath: scratch.url.appendingPathComponent("out/tran1.csv").path))
    }

    /// `deriv` is Kelvin's: d/dt (1 − e^(−t/τ)) = e^(−t/τ)/τ, at 1 ms and where v = 0.5.
    func testDerivMatchesTheAnalyticSlope() throws {
        let result = try run(
            """
            rc
            v1 in 0 pulse(0 1 0 1n 1n 1 2)
            r1 in out 1k
            c1 out 0 1u
            .tran 1u 3m
            .meas tran d1 deriv v(out) at=1m
            .meas tran d2 deriv v(out) when v(out)=0.5
            """, ["--out", "out"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let csv = try String(contentsOf: scratch.url.appendingPathComponent("out/meas.csv"), encoding: .utf8)
        let values = csv.split(separator: "\n").dropFirst().map { Double($0.split(separator: ",")[2]) ?? .nan }
        XCTAssertEqual(values[0], exp(-1) / 1e-3, accuracy: 5e-3 * exp(-1) / 1e-3)
        XCTAssertEqual(values[1], 0.5 / 1e-3, accuracy: 5e-3 * 0.5 / 1e-3)
    }

    func testSaveChoosesTheRawfileAndSaveOnlyTheCSVs() throws {
        let deck = "t\nv1 in 0 1\nr1 in out 1k\nr2 out mid 1k\nr3 mid 0 1k\n.save v(mid)\n.op\n"
        let all = try run(deck, ["--out", "all", "--raw", "all.raw"])
        XCTAssertEqual(all.status, 0, all.stderr)
        let csv = try String(contentsOf: scratch.url.appendingPathComponent("all/op1.csv"), encoding: .utf8)
        XCTAssertEqual(csv.split(separator: "\n").first.map { Set($0.split(separator: ",")) },
                       ["v(in)", "v(mid)", "v(out)", "i(v1)"])
        let raw = try String(contentsOf: scratch.url.appendingPathComponent("all.raw"), encoding: .utf8)
        XCTAssertTrue(raw.contains("No. Variables: 1\n") && raw.contains("\tv(mid)\tvoltage"), raw)
        let only = try run(deck, ["--out", "only", "--save-only"])
        XCTAssertEqual(only.status, 0, only.stderr)
        let saved = try String(contentsOf: scratch.url.appendingPathComponent("only/op1.csv"), encoding: .utf8)
        XCTAssertEqual(saved.split(separator: "\n").first, "v(mid)")
    }

    func testControlOnlyDeckWithoutAnalysisIsAnError() throws {
        let result = try run("t\nv1 a 0 1\nr1 a 0 1\n.control\necho hi\n.endc\n")
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("deck.cir:4:1:") && result.stderr.contains("runs none"), result.stderr)
        let run = try run("t\nv1 a 0 1\nr1 a 0 1\n.control\nrun\n.endc\n")
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stderr.contains("deck.cir:5:1:") && run.stderr.contains("no analysis card"), run.stderr)
    }
}
