import Foundation
import TestSupport
import XCTest

/// End-to-end checks of `kelvin train`: other architectures, `--init`, and the flags that
/// conflict with `--resume` and `--init`.
final class TrainCommandTests: XCTestCase {
    private var scratch: ScratchDirectory!

    override func setUpWithError() throws { scratch = try ScratchDirectory("train") }
    override func tearDownWithError() throws { scratch.remove() }

    private func train(_ out: String, _ extra: [String]) throws -> KelvinProcess.Outcome {
        try KelvinProcess.run(["train", "--dataset", "synthetic", "--batch", "32", "--epochs", "1", "--max-steps", "2",
                               "--threads", "1", "--quiet", "--out", scratch.url.path + "/" + out] + extra)
    }

    func testInitStartsANewRunFromACheckpointsWeights() throws {
        let first = try train("a", ["--model", "cnn", "--width", "2"])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stderr.contains("sequential network of 10 layers"), first.stderr)
        let source = scratch.url.path + "/a/last.ckpt"
        let tuned = try train("b", ["--init", source, "--lr", "0.01"])
        XCTAssertEqual(tuned.status, 0, tuned.stderr)
        XCTAssertTrue(tuned.stderr.contains("weights from \(source)"), tuned.stderr)
        let metrics = try String(contentsOfFile: scratch.url.path + "/b/metrics.jsonl", encoding: .utf8)
        XCTAssertTrue(metrics.contains("\"profile\":\"digital\""), metrics)

        let conflicting = try train("c", ["--init", source, "--width", "4"])
        XCTAssertEqual(conflicting.status, 1)
        XCTAssertTrue(conflicting.stderr.contains("--init takes the architecture from \(source)"), conflicting.stderr)

        let missing = try train("d", ["--init", scratch.url.path + "/none.ckpt"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("none.ckpt: no such file"), missing.stderr)
    }

    func testResumeRejectsArchitectureFlags() throws {
        XCTAssertEqual(try train("a", ["--model", "mlp", "--width", "8"]).status, 0)
        let result = try KelvinProcess.run(["train", "--out", scratch.url.path + "/a", "--resume", "--width", "16"])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("drop --model, --stem and --width"), result.stderr)
        let stem = try train("b", ["--model", "mlp", "--stem", "imagenet"])
        XCTAssertEqual(stem.status, 1)
        XCTAssertTrue(stem.stderr.contains("--stem applies to ResNets"), stem.stderr)
    }

    func testImageFolderTrainsEvaluatesAndReportsACorruptFile() throws {
        let data = scratch.url.path + "/folder"
        let bench = try KelvinProcess.run(["bench-loader", "--data-dir", data, "--generate", "20", "--batch", "4", "--augment", "--workers", "2"])
        XCTAssertEqual(bench.status, 0, bench.stderr)
        XCTAssertTrue(bench.stdout.contains("20 images (10 classes)"), bench.stdout)
        let out = scratch.url.path + "/run"
        let trained = try KelvinProcess.run(["train", "--dataset", "imagefolder", "--data-dir", data, "--model", "cnn", "--width", "2",
                                             "--image-size", "32", "--augment", "--batch", "4", "--epochs", "2", "--max-steps", "3",
                                             "--threads", "1", "--quiet", "--out", out])
        XCTAssertEqual(trained.status, 0, trained.stderr)
        XCTAssertTrue(trained.stderr.contains("on imagefolder: 20 train / 10 test images, 5 steps per epoch"), trained.stderr)
        let resumed = try KelvinProcess.run(["train", "--out", out, "--resume", "--max-steps", "5", "--quiet", "--threads", "1"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        let eval = try KelvinProcess.run(["eval", "--checkpoint", out + "/last.ckpt", "--json"])
        XCTAssertEqual(eval.status, 0, eval.stderr)
        XCTAssertTrue(eval.stdout.contains("\"images\":10"), eval.stdout)
        let bad = data + "/val/class_4/img_4.jpg"
        try Data("not a JPEG".utf8).write(to: URL(fileURLWithPath: bad))
        let broken = try KelvinProcess.run(["eval", "--checkpoint", out + "/last.ckpt"])
        XCTAssertEqual(broken.status, 1)
        XCTAssertTrue(broken.stderr.contains("kelvin: error: \(bad): corrupt file: not a JPEG file"), broken.stderr)
        let sizes = try train("s", ["--image-size", "32"])
        XCTAssertEqual(sizes.status, 1)
        XCTAssertTrue(sizes.stderr.contains("--image-size and --resize-size apply to --dataset imagefolder"), sizes.stderr)
    }

    /// The speed switches of the tensor backend are read from the environment: a value that is not
    /// one of theirs is a warning naming it (the run goes on with the default), a valid one is silent.
    func testUnknownKernelAndWinogradSwitchesWarn() throws {
        let arguments = ["bench-train", "--width", "16", "--steps", "1", "--threads", "1"]
        let bad = try KelvinProcess.run(arguments, environment: ["KELVIN_KERNELS": "sse", "KELVIN_WINOGRAD": "5"])
        XCTAssertEqual(bad.status, 0, bad.stderr)
        XCTAssertTrue(bad.stderr.contains("KELVIN_KERNELS=sse is not portable, avx2 or avx512"), bad.stderr)
        XCTAssertTrue(bad.stderr.contains("KELVIN_WINOGRAD=5 is not 2, 4 or auto"), bad.stderr)
        let good = try KelvinProcess.run(arguments, environment: ["KELVIN_KERNELS": "portable", "KELVIN_WINOGRAD": "4"])
        XCTAssertEqual(good.status, 0, good.stderr)
        XCTAssertFalse(good.stderr.contains("warning"), good.stderr)
    }
}
