import Foundation
import TestSupport
import XCTest

/// End-to-end checks of `kelvin import` and `kelvin export` (PyTorch fixtures from
/// Tests/NNTests/Fixtures/make_safetensors.py).
final class ImportExportCommandTests: XCTestCase {
    private var scratch: ScratchDirectory!
    private var dir: String { scratch.url.path }
    private let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().path
        + "/NNTests/Fixtures"

    override func setUpWithError() throws { scratch = try ScratchDirectory("import") }
    override func tearDownWithError() throws { scratch.remove() }

    private func kelvin(_ arguments: [String]) throws -> KelvinProcess.Outcome { try KelvinProcess.run(arguments) }

    private func evalJSON(_ checkpoint: String) throws -> [String: Double] {
        let r = try kelvin(["eval", "--checkpoint", checkpoint, "--dataset", "synthetic", "--json", "--threads", "1"])
        XCTAssertEqual(r.status, 0, r.stderr)
        var object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Double], r.stdout)
        object["seconds"] = nil
        return object
    }

    /// train → export → import → eval gives the trained checkpoint's accuracy; PyTorch's file re-exports bit for bit.
    func testExportThenImportEvaluatesLikeTheTrainedCheckpoint() throws {
        let train = try kelvin(["train", "--dataset", "synthetic", "--model", "cnn", "--width", "2", "--batch", "32", "--epochs", "1",
                                "--max-steps", "3", "--threads", "1", "--quiet", "--out", dir + "/run"])
        XCTAssertEqual(train.status, 0, train.stderr)
        let export = try kelvin(["export", "--checkpoint", dir + "/run/last.ckpt", "--safetensors", dir + "/w.safetensors"])
        XCTAssertEqual(export.status, 0, export.stderr)
        XCTAssertTrue(export.stderr.contains("wrote 14 tensors"), export.stderr)
        let imported = try kelvin(["import", "--safetensors", dir + "/w.safetensors", "--model", "cnn", "--width", "2",
                                   "--out", dir + "/i.ckpt"])
        XCTAssertEqual(imported.status, 0, imported.stderr)
        XCTAssertTrue(imported.stderr.contains("input normalisation from the file's metadata: mean ["), imported.stderr)
        XCTAssertEqual(try evalJSON(dir + "/i.ckpt"), try evalJSON(dir + "/run/last.ckpt"))
        // The imported checkpoint fine-tunes with --init.
        let tuned = try kelvin(["train", "--dataset", "synthetic", "--init", dir + "/i.ckpt", "--batch", "32", "--epochs", "1",
                                "--max-steps", "1", "--threads", "1", "--quiet", "--out", dir + "/tuned"])
        XCTAssertEqual(tuned.status, 0, tuned.stderr)

        // PyTorch's ResNet file: import, export, and the bytes of every tensor come back.
        let source = fixtures + "/resnet18_w4.safetensors"
        let resnet = try kelvin(["import", "--safetensors", source, "--model", "resnet18", "--width", "4", "--input-channels", "3",
                                 "--classes", "10", "--mean", "0.485,0.456,0.406", "--std", "0.229,0.224,0.225", "--out", dir + "/r.ckpt"])
        XCTAssertEqual(resnet.status, 0, resnet.stderr)
        XCTAssertTrue(resnet.stderr.contains("input normalisation: mean [0.485, 0.456, 0.406]"), resnet.stderr)
        let bare = try kelvin(["import", "--safetensors", source, "--model", "resnet18", "--width", "4", "--input-channels", "3",
                               "--classes", "10", "--out", dir + "/bare.ckpt"])
        XCTAssertTrue(bare.stderr.contains("(no input normalisation stored)"), bare.stderr)
        XCTAssertTrue(resnet.stderr.contains("resnet18 (small stem, width 4), 44622 parameters, from 122 tensors"), resnet.stderr)
        let back = try kelvin(["export", "--checkpoint", dir + "/r.ckpt", "--safetensors", dir + "/r.safetensors"])
        XCTAssertEqual(back.status, 0, back.stderr)
        let exported = try Data(contentsOf: URL(fileURLWithPath: dir + "/r.safetensors"))
        XCTAssertTrue(String(decoding: exported.prefix(20_000), as: UTF8.self).contains(#""kelvin.normalization":"{\"mean\":[0.485"#))
        // Same data section size as PyTorch's file: every F32 and I64 tensor, nothing else.
        let original = try Data(contentsOf: URL(fileURLWithPath: source))
        func dataBytes(_ d: Data) -> Int { d.count - 8 - Int(d.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }) }
        XCTAssertEqual(dataBytes(exported), dataBytes(original))
    }

    func testMismatchIsRefusedBeforeWriting() throws {
        let out = dir + "/x.ckpt"
        let r = try kelvin(["import", "--safetensors", fixtures + "/cnn_w4.safetensors", "--model", "cnn", "--width", "4",
                            "--input-channels", "2", "--image-size", "16x8", "--classes", "5", "--out", out])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("cnn_w4.safetensors: tensors do not fit the model"), r.stderr)
        XCTAssertTrue(r.stderr.contains("9.weight: [5, 48] in the file, [5, 64] in the model"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        let resnet = try kelvin(["import", "--safetensors", fixtures + "/cnn_w4.safetensors", "--model", "resnet18", "--out", out])
        XCTAssertEqual(resnet.status, 1)
        XCTAssertTrue(resnet.stderr.contains("missing (102): conv1.weight, bn1.weight"), resnet.stderr)
        XCTAssertTrue(resnet.stderr.contains("unexpected (12): 0.weight, "), resnet.stderr)
        XCTAssertFalse(resnet.stderr.contains("num_batches_tracked"), resnet.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }

    func testBadInputGetsAMessage() throws {
        let bad = try scratch.write("bad.safetensors", "not a safetensors file")
        let cases: [([String], String)] = [
            (["import", "--safetensors", bad, "--model", "mlp", "--out", dir + "/o.ckpt"], "bad.safetensors: corrupt file: header length"),
            (["import", "--safetensors", dir + "/none", "--out", dir + "/o.ckpt"], "none: no such file"),
            (["import", "--safetensors", bad, "--model", "vgg", "--out", dir + "/o.ckpt"], "unknown model 'vgg'"),
            (["import", "--safetensors", bad, "--model", "cnn", "--image-size", "30", "--out", dir + "/o.ckpt"], "divisible by 4"),
            (["import", "--safetensors", bad, "--model", "cnn", "--stem", "small", "--out", dir + "/o.ckpt"], "--stem applies to ResNets"),
            (["import", "--safetensors", bad, "--image-size", "2x", "--out", dir + "/o.ckpt"], "--image-size must be S or HxW"),
            (["import", "--safetensors", bad, "--mean", "0.5", "--out", dir + "/o.ckpt"], "--mean and --std go together"),
            (["import", "--safetensors", bad, "--mean", "0.5,x", "--std", "1,1", "--out", dir + "/o.ckpt"], "--mean must be comma-separated"),
            (["export", "--checkpoint", bad, "--safetensors", dir + "/o.safetensors"], "bad.safetensors: corrupt file"),
        ]
        for (arguments, message) in cases {
            let r = try kelvin(arguments)
            XCTAssertEqual(r.status, 1, "\(arguments)")
            XCTAssertTrue(r.stderr.contains("kelvin: error: "), r.stderr)
            XCTAssertTrue(r.stderr.contains(message), "\(arguments): \(r.stderr)")
        }
        let channels = try kelvin(["import", "--safetensors", fixtures + "/cnn_w4.safetensors", "--model", "cnn", "--width", "4",
                                   "--input-channels", "2", "--image-size", "12x8", "--classes", "5", "--mean", "0.5", "--std", "0.2",
                                   "--out", dir + "/o.ckpt"])
        XCTAssertEqual(channels.status, 1)
        XCTAssertTrue(channels.stderr.contains("takes 2 input channels but the normalisation has 1"), channels.stderr)
    }

    func testHelpDescribesNamesAndNormalisation() throws {
        let r = try kelvin(["import", "--help"])
        XCTAssertEqual(r.status, 0)
        for text in ["state_dict", "num_batches_tracked", "--mean", "--image-size", "nn.Sequential"] {
            XCTAssertTrue(r.stdout.contains(text), "help lacks \(text): \(r.stdout)")
        }
        XCTAssertTrue(try kelvin(["export", "--help"]).stdout.contains("strict=True"))
    }
}
