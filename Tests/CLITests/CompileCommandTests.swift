import Foundation
import TestSupport
import XCTest

/// `kelvin compile` and `kelvin verify` end to end: a tiny MLP trained on synthetic data is
/// compiled, verified (exit 0), judged with an impossible tolerance (exit 1), and bad input gives
/// exit 2 or a clear error with no output folder.
final class CompileCommandTests: XCTestCase {
    private var scratch: ScratchDirectory!
    private var directory: URL { scratch.url }
    static let root = CharacterizeCommandTests.root

    override func setUpWithError() throws { scratch = try ScratchDirectory("compilecli") }
    override func tearDownWithError() throws { scratch.remove() }

    private func checkpoint() throws -> String {
        let run = directory.appendingPathComponent("run").path
        let trained = try KelvinProcess.run(["train", "--model", "mlp", "--width", "6", "--dataset", "synthetic", "--epochs", "1",
                                             "--train-limit", "64", "--test-limit", "8", "--batch", "32", "--out", run, "--quiet"], in: Self.root)
        XCTAssertEqual(trained.status, 0, trained.stderr)
        return run + "/last.ckpt"
    }

    func testCompileThenVerifyExitCodes() throws {
        let ck = try checkpoint()
        let out = directory.appendingPathComponent("out").path
        let compiled = try KelvinProcess.run(["compile", "--checkpoint", ck, "--out", out, "--images", "2", "--rows", "128"], in: Self.root)
        XCTAssertEqual(compiled.status, 0, compiled.stderr)
        XCTAssertTrue(compiled.stdout.hasPrefix("wrote \(out): 3 stages, 7 decks,"), compiled.stdout)
        for file in ["cells.lib", "manifest.json", "network.json", "schedule.json", "report.md", "report.json", "modules/l1_linear.cir", "decks/l1_linear_i1_p0.cir"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/" + file), file)
        }
        let verified = try KelvinProcess.run(["verify", out, "--ngspice"], in: Self.root)
        XCTAssertEqual(verified.status, 0, verified.stdout + verified.stderr)
        XCTAssertTrue(verified.stdout.contains("PASS: 7 decks, 66 outputs"), verified.stdout)
        XCTAssertTrue(verified.stdout.contains("worst vs ngspice:"), verified.stdout)
        // The training step's backward read of the second layer (6 rows per image), and the energy per inference.
        XCTAssertTrue(verified.stdout.contains("layer 3 (backward): 12 outputs"), verified.stdout)
        XCTAssertTrue(compiled.stdout.contains("energy per inference "), compiled.stdout)
        let reportText = try String(contentsOfFile: out + "/report.md", encoding: .utf8)
        XCTAssertTrue(reportText.contains("## Energy per inference") && reportText.contains("## Training step"), reportText)
        let strict = try KelvinProcess.run(["verify", out, "--tolerance", "1e-9", "--layer", "3"], in: Self.root)
        XCTAssertEqual(strict.status, 1, strict.stdout + strict.stderr)
        XCTAssertTrue(strict.stdout.contains("FAIL: 5 decks, 42 outputs"), strict.stdout)
        let badLayer = try KelvinProcess.run(["verify", out, "--layer", "7"], in: Self.root)
        XCTAssertEqual(badLayer.status, 2)
        XCTAssertTrue(badLayer.stderr.contains("no decks of layer '7'"), badLayer.stderr)
        let missing = try KelvinProcess.run(["verify", directory.appendingPathComponent("none").path], in: Self.root)
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("manifest.json: no such file"), missing.stderr)
        // A second compile replaces the previous output; --report-only writes only the reports.
        let report = try KelvinProcess.run(["compile", "--checkpoint", ck, "--out", out, "--report-only"], in: Self.root)
        XCTAssertEqual(report.status, 0, report.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out).sorted(), ["report.json", "report.md"])
    }

    /// A ResNet-18 checkpoint of `kelvin train` (width 2, a few steps on 3×8×8 synthetic images)
    /// compiles to decks of every module, verifies per position, and runs as circuits (--chain).
    func testResNetCheckpointCompilesVerifiesAndChains() throws {
        let run = directory.appendingPathComponent("r18").path
        let trained = try KelvinProcess.run(["train", "--model", "resnet18", "--width", "2", "--dataset", "synthetic:3x8x8", "--epochs", "1",
                                             "--max-steps", "2", "--train-limit", "32", "--test-limit", "4", "--batch", "16", "--out", run, "--quiet"],
                                            in: Self.root)
        XCTAssertEqual(trained.status, 0, trained.stderr)
        let out = directory.appendingPathComponent("r18c").path
        let compiled = try KelvinProcess.run(["compile", "--checkpoint", run + "/last.ckpt", "--out", out, "--positions", "1"], in: Self.root)
        XCTAssertEqual(compiled.status, 0, compiled.stderr)
        XCTAssertTrue(compiled.stdout.hasPrefix("wrote \(out): 31 stages, "), compiled.stdout)
        for file in ["modules/l3_0_body_0_conv2d.cir", "modules/l4_0_shortcut_0_conv2d.cir", "modules/l6_2_add.cir", "modules/l7_globalavgpool.cir",
                     "modules/l9_linear.cir", "decks/l7_globalavgpool_i0_p0.cir"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/" + file), file)
        }
        for layer in ["6.2", "7", "9"] {
            let verified = try KelvinProcess.run(["verify", out, "--layer", layer], in: Self.root)
            XCTAssertEqual(verified.status, 0, verified.stdout + verified.stderr)
            XCTAssertTrue(verified.stdout.contains("PASS: "), verified.stdout)
        }
        let chained = try KelvinProcess.run(["verify", out, "--chain"], in: Self.root)
        XCTAssertEqual(chained.status, 0, chained.stdout + chained.stderr)
        XCTAssertTrue(chained.stdout.contains("chain: 1 images as circuits, class = tensor path's on 1"), chained.stdout)
    }

    /// Two checkpoints (an MLP on 1×28×28 synthetic images, another on 3×6×6) compiled onto
    /// disjoint module sets: each model's folder, one track each, verified per model (with ngspice
    /// and --chain); bad input names the model and writes nothing.
    func testSeveralModelsOnDisjointModuleSets() throws {
        let first = try checkpoint()
        let run = directory.appendingPathComponent("small").path
        let trained = try KelvinProcess.run(["train", "--model", "mlp", "--width", "4", "--dataset", "synthetic:3x6x6", "--epochs", "1",
                                             "--train-limit", "64", "--test-limit", "8", "--batch", "32", "--out", run, "--quiet"], in: Self.root)
        XCTAssertEqual(trained.status, 0, trained.stderr)
        let second = run + "/last.ckpt"
        let out = directory.appendingPathComponent("two").path
        let compiled = try KelvinProcess.run(["compile", "--checkpoint", first, "--checkpoint", second, "--out", out, "--rows", "128"], in: Self.root)
        XCTAssertEqual(compiled.status, 0, compiled.stderr)
        XCTAssertTrue(compiled.stdout.hasPrefix("wrote \(out): 2 models on disjoint module sets (m0: 3 stages, m1: 3 stages), "), compiled.stdout)
        XCTAssertTrue(compiled.stdout.contains("(longest track, m"), compiled.stdout)
        for file in ["models.json", "schedule.json", "report.md", "report.json", "m0/manifest.json", "m0/modules/m0_l1_linear.cir",
                     "m1/cells.lib", "m1/modules/m1_l3_linear_bwd.cir", "m1/decks/m1_l1_linear_i0_p0.cir"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/" + file), file)
        }
        let report = try String(contentsOfFile: out + "/report.md", encoding: .utf8)
        XCTAssertTrue(report.contains("# Resource report: 2 models on disjoint module sets") && report.contains("| m1 | \(second) |"), report)
        let verified = try KelvinProcess.run(["verify", out, "--ngspice"], in: Self.root)
        XCTAssertEqual(verified.status, 0, verified.stdout + verified.stderr)
        XCTAssertTrue(verified.stdout.contains("layer m0/1: ") && verified.stdout.contains("layer m1/3 (backward): 4 outputs"), verified.stdout)
        XCTAssertTrue(verified.stdout.contains("worst vs ngspice: m"), verified.stdout)
        let one = try KelvinProcess.run(["verify", out, "--layer", "m1/3"], in: Self.root)
        XCTAssertEqual(one.status, 0, one.stdout + one.stderr)
        XCTAssertFalse(one.stdout.contains("layer m0/"), one.stdout)
        let chained = try KelvinProcess.run(["verify", out, "--chain"], in: Self.root)
        XCTAssertEqual(chained.status, 0, chained.stdout + chained.stderr)
        XCTAssertTrue(chained.stdout.contains("m0: chain: 1 images as circuits") && chained.stdout.contains("m1: chain: 1 images as circuits"), chained.stdout)
        XCTAssertTrue(chained.stdout.contains("PASS: every model"), chained.stdout)
        // Bad input: the model is named, nothing is written.
        let bad = directory.appendingPathComponent("bad").path
        let twice = try KelvinProcess.run(["compile", "--checkpoint", first, "--checkpoint", second, "--checkpoint", first, "--out", bad], in: Self.root)
        XCTAssertNotEqual(twice.status, 0)
        XCTAssertTrue(twice.stderr.contains("model m2 (\(first)): the same checkpoint as model m0"), twice.stderr)
        let missing = try KelvinProcess.run(["compile", "--checkpoint", first, "--checkpoint", bad + ".ckpt", "--out", bad], in: Self.root)
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("model m1 (\(bad).ckpt): "), missing.stderr)
        let none = try KelvinProcess.run(["compile", "--out", bad], in: Self.root)
        XCTAssertNotEqual(none.status, 0)
        XCTAssertTrue(none.stderr.contains("Missing expected argument '--checkpoint <file> ...'"), none.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: bad))
    }

    func testBadInputLeavesNoFolder() throws {
        let ck = try checkpoint()
        let out = directory.appendingPathComponent("bad").path
        let cell = try KelvinProcess.run(["compile", "--checkpoint", ck, "--out", out, "--cell", "memristor"], in: Self.root)
        XCTAssertNotEqual(cell.status, 0)
        XCTAssertTrue(cell.stderr.contains("unknown --cell 'memristor' (use vcr or resistor)"), cell.stderr)
        let cells = try KelvinProcess.run(["compile", "--checkpoint", ck, "--out", out, "--cells", directory.path], in: Self.root)
        XCTAssertNotEqual(cells.status, 0)
        XCTAssertTrue(cells.stderr.contains("missing cell 'opamp'"), cells.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        // An existing folder that is not a compile output is refused, untouched.
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let occupied = try KelvinProcess.run(["compile", "--checkpoint", ck, "--out", out], in: Self.root)
        XCTAssertNotEqual(occupied.status, 0)
        XCTAssertTrue(occupied.stderr.contains("is not a previous compile output"), occupied.stderr)
    }
}
