import Foundation
import TestSupport
import XCTest

/// End-to-end checks of `kelvin bm-convert` on a ResNet checkpoint: residual layers in the table
/// and the operation report, and a run stopped part-way that resumes to the uninterrupted result.
final class BMConvertCommandTests: XCTestCase {
    private var scratch: ScratchDirectory!

    override func setUpWithError() throws { scratch = try ScratchDirectory("bmconvert") }
    override func tearDownWithError() throws { scratch.remove() }

    private func convert(_ out: String, _ extra: [String] = []) throws -> KelvinProcess.Outcome {
        try KelvinProcess.run(["bm-convert", "--checkpoint", scratch.url.path + "/run/last.ckpt", "--layers", "3",
                               "--finetune-steps", "2", "--batch", "8", "--lr", "0.001", "--train-limit", "64",
                               "--test-limit", "16", "--threads", "1", "--out", scratch.url.path + "/" + out] + extra)
    }

    func testResNetConversionResumesToTheSameTable() throws {
        let trained = try KelvinProcess.run(["train", "--dataset", "synthetic", "--model", "resnet18", "--width", "1", "--batch", "16",
                                             "--epochs", "1", "--max-steps", "2", "--threads", "1", "--quiet",
                                             "--out", scratch.url.path + "/run"])
        XCTAssertEqual(trained.status, 0, trained.stderr)

        let whole = try convert("whole", ["--report"])
        XCTAssertEqual(whole.status, 0, whole.stderr)
        XCTAssertTrue(whole.stdout.contains("2.body.2 conv 1→1 3×3"), whole.stdout)
        let operations = try String(contentsOfFile: scratch.url.path + "/whole/operations.md", encoding: .utf8)
        XCTAssertTrue(operations.contains("6.shortcut.0 conv 1→2 1×1/2"), operations)
        XCTAssertTrue(operations.contains("19 linear 8→10"), operations)
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch.url.path + "/whole/progress.json"))

        let stopped = try convert("parts", ["--stop-after", "1"])
        XCTAssertEqual(stopped.status, 0, stopped.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: scratch.url.path + "/parts/progress-1.ckpt"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch.url.path + "/parts/conversion.json"))
        let other = try convert("parts", ["--finetune-steps", "3"])
        XCTAssertEqual(other.status, 1)
        XCTAssertTrue(other.stderr.contains("belongs to a run with other settings"), other.stderr)
        let resumed = try convert("parts")
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stdout.contains("resuming after 1 converted layer(s)"), resumed.stdout)

        func rows(_ dir: String) throws -> [[String: Any]] {
            let data = try Data(contentsOf: scratch.url.appendingPathComponent(dir + "/conversion.json"))
            let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            return try XCTUnwrap(json["rows"] as? [[String: Any]])
        }
        let a = try rows("whole"), b = try rows("parts")
        XCTAssertEqual(a.count, 4)
        for key in ["converted", "top1_without_finetuning", "top1_converted_before_finetuning", "top1_with_finetuning"] {
            XCTAssertEqual(a.map { "\($0[key]!)" }, b.map { "\($0[key]!)" }, key)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch.url.path + "/parts/progress.json"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch.url.path + "/parts/progress-3.ckpt"))
    }
}
