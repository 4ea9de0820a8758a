import Foundation
import Tensor
import XCTest
@testable import NN

/// PyTorch state dicts in and out: logits against PyTorch's (fixtures from Fixtures/make_safetensors.py),
/// export, round trips, and state dicts that do not fit the model.
final class StateDictTests: XCTestCase {
    private static let fixtures = SafetensorsTests.fixtures

    private static let resnet = ModelSpec.resnet(ResNetConfig(depth: 18, inputChannels: 3, classes: 10, width: 4, stem: .small))
    private static let cnn = ModelSpec.cnn(inputChannels: 2, height: 12, width: 8, classes: 5, channels: 4)

    /// The fixture's input batch and PyTorch's logits for it.
    private func reference(_ name: String) throws -> (input: Tensor, logits: Tensor) {
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "/\(name).json"))
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: [String: Any]])
        func tensor(_ key: String) throws -> Tensor {
            let shape = try XCTUnwrap(object[key]?["shape"] as? [Int])
            return Tensor(shape: shape, data: try XCTUnwrap(object[key]?["values"] as? [Double]).map(Float.init))
        }
        return (try tensor("input"), try tensor("logits"))
    }

    private func imported(_ name: String, _ spec: ModelSpec) throws -> (Checkpoint, Model) {
        let path = Self.fixtures + "/\(name).safetensors"
        let ck = try Checkpoint(model: spec, stateDict: try Safetensors(path: path), path: path)
        let model = try Model(ck.header.model)
        try model.loadState(from: ck.arrays, path: path)
        return (ck, model)
    }

    /// Float32 logits agree with PyTorch's to 1e-5 of the largest logit (summation order differs; measured:
    /// 3.8e-5 of 62.5 for the small-stem ResNet, 3.1e-5 of 110.5 for the ImageNet-stem one, 1.4e-6 of 4.8 for the CNN).
    private func assertLogitsMatch(_ name: String, _ spec: ModelSpec) throws {
        let (ck, model) = try imported(name, spec)
        XCTAssertNil(ck.header.training)
        XCTAssertEqual(ck.header.step, 0)
        let (x, expected) = try reference(name)
        let y = model(x)
        XCTAssertEqual(y.shape, expected.shape)
        let scale = max(1, expected.scalars.map(abs).max() ?? 1)
        let worst = zip(y.scalars, expected.scalars).map { abs($0 - $1) }.max() ?? .infinity
        XCTAssertLessThanOrEqual(worst, 1e-5 * scale, "\(name): max |Δlogit| = \(worst)")
    }

    func testImportedResNet18MatchesPyTorchLogits() throws { try assertLogitsMatch("resnet18_w4", Self.resnet) }
    func testImportedCNNMatchesPyTorchLogits() throws { try assertLogitsMatch("cnn_w4", Self.cnn) }
    func testImportedImageNetStemResNet18MatchesPyTorchLogits() throws {
        try assertLogitsMatch("resnet18_w2_imagenet", .resnet(ResNetConfig(depth: 18, inputChannels: 3, classes: 4, width: 2, stem: .imagenet)))
    }

    /// Export writes PyTorch's tensors back bit for bit (the counters hold the checkpoint's step), in
    /// the order of `state_dict()`, and importing the export gives the same checkpoint.
    func testExportReproducesTheStateDictAndRoundTrips() throws {
        for (name, spec) in [("resnet18_w4", Self.resnet), ("cnn_w4", Self.cnn)] {
            let source = try Safetensors(path: Self.fixtures + "/\(name).safetensors")
            let (ck, _) = try imported(name, spec)
            let exported = try ck.stateDict(path: "imported.ckpt")
            XCTAssertEqual(exported.metadata["format"], "pt")
            XCTAssertEqual(exported.metadata["kelvin.model"].map { try? JSONDecoder().decode(ModelSpec.self, from: Data($0.utf8)) }, spec)
            XCTAssertEqual(Set(exported.entries.map(\.name)), Set(source.entries.map(\.name)), name)
            for e in exported.entries {
                let s = try XCTUnwrap(source.entry(e.name))
                XCTAssertEqual(e.shape, s.shape, e.name)
                XCTAssertEqual(e.dtype, s.dtype, e.name)
                switch (e.values, s.values) {
                case (.float(let a), .float(let b)): XCTAssertEqual(a.map(\.bitPattern), b.map(\.bitPattern), e.name)
                case (.int64(let a), .int64): XCTAssertEqual(a, [0], e.name)
                default: XCTFail("\(e.name): types differ")
                }
            }
            // Through the bytes of a file and back into a checkpoint.
            let again = try Checkpoint(model: spec, stateDict: try Safetensors(bytes: try exported.encoded(), path: "x"), path: "x")
            XCTAssertEqual(again.arrays, ck.arrays, name)
        }
    }

    /// A trained checkpoint exports its step as num_batches_tracked and its normalisation as metadata.
    func testExportCarriesStepAndNormalisation() throws {
        let spec = ModelSpec.mlp(inputs: 4, hidden: [3], classes: 2)
        let model = try Model(spec, seed: 3)
        var header = CheckpointHeader(model: spec, step: 12)
        header.training = TrainingOptions(model: spec, normalizationMean: [0.5], normalizationStd: [0.25])
        let file = try Checkpoint(header: header, arrays: model.stateArrays()).stateDict(path: "c")
        XCTAssertEqual(file.entries.map(\.name), ["1.weight", "1.bias", "3.weight", "3.bias"])
        XCTAssertEqual(file.metadata["kelvin.normalization"], #"{"mean":[0.5],"std":[0.25]}"#)
        // Importing the export keeps the normalisation; a bad record is refused.
        XCTAssertEqual(try Checkpoint(model: spec, stateDict: file, path: "x").header.normalization, .init(mean: [0.5], std: [0.25]))
        var broken = file
        broken.metadata["kelvin.normalization"] = "[1]"
        XCTAssertThrowsError(try Checkpoint(model: spec, stateDict: broken, path: "x")) {
            XCTAssertTrue("\($0)".contains("x: corrupt file: metadata kelvin.normalization"), "\($0)")
        }
        let bn = Checkpoint(header: CheckpointHeader(model: Self.cnn, step: 12), arrays: try Model(Self.cnn).stateArrays())
        let counters = try bn.stateDict(path: "c")
        XCTAssertEqual(counters.entry("5.num_batches_tracked")?.values, .int64([12]))
    }

    // MARK: - State dicts that do not fit

    private func expectMismatch(
        _ entries: [Safetensors.Entry], _ spec: ModelSpec, missing: [String] = [], unexpected: [String] = [],
        misshaped: [NNError.ShapeMismatch] = [], file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertThrowsError(try Checkpoint(model: spec, stateDict: Safetensors(entries: entries), path: "w.safetensors"),
                             file: file, line: line) { error in
            XCTAssertEqual(error as? NNError, .stateMismatch(path: "w.safetensors", missing: missing, unexpected: unexpected,
                                                           misshaped: misshaped), file: file, line: line)
        }
    }

    func testMissingUnexpectedAndMisshapedNamesAreAllListed() throws {
        let entries = try Safetensors(path: Self.fixtures + "/cnn_w4.safetensors").entries
        // num_batches_tracked is ignored: dropping it, or adding a stray one, still loads.
        XCTAssertNoThrow(try Checkpoint(model: Self.cnn, stateDict: Safetensors(entries: entries.filter {
            !$0.name.hasSuffix("num_batches_tracked") } + [.init(name: "3.num_batches_tracked", shape: [], values: [Int64(1)])]), path: "w"))
        var edited = entries.filter { $0.name != "5.running_var" && $0.name != "9.bias" }
        edited.append(.init(name: "fc.weight", shape: [1], values: [Float(0)]))
        let index = try XCTUnwrap(edited.firstIndex { $0.name == "0.weight" })
        edited[index] = .init(name: "0.weight", shape: [4, 2, 1, 9], values: [Float](repeating: 0, count: 72))
        expectMismatch(edited, Self.cnn, missing: ["5.running_var", "9.bias"], unexpected: ["fc.weight"],
                       misshaped: [.init(name: "0.weight", expected: [4, 2, 3, 3], found: [4, 2, 1, 9])])
        // A wider model: every tensor mis-shaped, each with both shapes in the message.
        let wider = ModelSpec.cnn(inputChannels: 2, height: 12, width: 8, classes: 5, channels: 8)
        XCTAssertThrowsError(try Checkpoint(model: wider, stateDict: Safetensors(entries: entries), path: "w")) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("mis-shaped (11):"), text)
            XCTAssertTrue(text.contains("    9.weight: [5, 48] in the file, [5, 96] in the model"), text)
        }
    }

    func testIntegerWeightsAndBadNormalisationRejected() throws {
        var entries = try Safetensors(path: Self.fixtures + "/cnn_w4.safetensors").entries
        let index = try XCTUnwrap(entries.firstIndex { $0.name == "9.bias" })
        entries[index] = .init(name: "9.bias", shape: [5], values: [Int64](repeating: 1, count: 5))
        XCTAssertThrowsError(try Checkpoint(model: Self.cnn, stateDict: Safetensors(entries: entries), path: "w")) { error in
            XCTAssertEqual(error as? NNError, .mismatch(path: "w", reason: "integer tensors where the model needs floating point: 9.bias"))
        }
        let file = try Safetensors(path: Self.fixtures + "/cnn_w4.safetensors")
        for (mean, std, reason) in [([Float(0)], [Float(1)], "takes 2 input channels"), ([0, 0], [1, 0], "positive finite"),
                                    ([0, 0], [1], "as many means as stds")] {
            XCTAssertThrowsError(try Checkpoint(model: Self.cnn, stateDict: file, path: "w", normalization: .init(mean: mean, std: std))) {
                XCTAssertTrue("\($0)".contains(reason), "\($0)")
            }
        }
        let ok = try Checkpoint(model: Self.cnn, stateDict: file, path: "w", normalization: .init(mean: [0.5, 0.4], std: [0.2, 0.3]))
        XCTAssertEqual(ok.header.inputNormalization, .init(mean: [0.5, 0.4], std: [0.2, 0.3]))
        // The field survives the checkpoint's bytes.
        XCTAssertEqual(try Checkpoint(bytes: try ok.encoded(), path: "w").header.normalization, ok.header.normalization)
    }
}
