import Foundation
import XCTest
@testable import NN

final class CheckpointTests: XCTestCase {
    private var dir: String = ""
    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "kelvin-ckpt-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    private func sample() -> Checkpoint {
        var h = CheckpointHeader(model: .resnet(ResNetConfig(depth: 18, inputChannels: 1, classes: 10, width: 4, stem: .small)),
                                 epoch: 2, batchInEpoch: 0, step: 40, optimizer: SGDConfig(learningRate: 0.1, momentum: 0.9),
                                 rngState: 12345)
        h.metadata["note"] = "test"
        return Checkpoint(header: h, arrays: [
            NamedArray(name: "a", shape: [2, 3], values: [1, 2, 3, 4, 5, -6.5]),
            NamedArray(name: "b", shape: [1], values: [.pi]),
        ])
    }

    func testRoundTrip() throws {
        let path = dir + "/c.ckpt"
        try sample().write(to: path)
        let back = try Checkpoint(path: path)
        XCTAssertEqual(back.header.step, 40)
        XCTAssertEqual(back.header.rngState, 12345)
        XCTAssertEqual(back.arrays, sample().arrays)
        // No temporary files left behind.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["c.ckpt"])
    }

    private func expectFailure(_ bytes: [UInt8], contains reason: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let path = dir + "/bad.ckpt"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try Checkpoint(path: path), file: file, line: line) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains(path), text, file: file, line: line)
            XCTAssertTrue(text.contains(reason), text, file: file, line: line)
        }
    }

    func testTruncatedRejected() throws {
        let bytes = try sample().encoded()
        try expectFailure(Array(bytes.prefix(bytes.count - 7)), contains: "truncated")
        try expectFailure(Array(bytes.prefix(10)), contains: "truncated")
    }

    func testBitFlipRejected() throws {
        var bytes = try sample().encoded()
        bytes[bytes.count - 10] ^= 0x40
        try expectFailure(bytes, contains: "checksum")
    }

    func testBadMagicAndVersionRejected() throws {
        var bytes = try sample().encoded()
        bytes[0] = UInt8(ascii: "X")
        try expectFailure(bytes, contains: "magic")
        bytes = try sample().encoded()
        bytes[8] = 99
        try expectFailure(bytes, contains: "version 99")
    }

    func testMissingFile() {
        XCTAssertThrowsError(try Checkpoint(path: dir + "/nope")) { e in XCTAssertTrue("\(e)".contains(self.dir + "/nope")) }
    }

    func testMetricsJSONL() throws {
        let w = MetricsWriter(path: dir + "/metrics.jsonl")
        for e in 0..<3 {
            try w.append(EpochMetrics(epoch: e, train_loss: 1.0 / Double(e + 1), train_top1: 0.5, test_top1: 0.4, test_top5: 0.9,
                                      images_per_s: 100, seconds: 2, lr: 0.1))
        }
        XCTAssertEqual(try w.read().map(\.epoch), [0, 1, 2])
        try w.truncate(keepBefore: 1)
        XCTAssertEqual(try w.read().map(\.epoch), [0])
        let text = try String(contentsOfFile: dir + "/metrics.jsonl", encoding: .utf8)
        XCTAssertTrue(text.hasPrefix("{\"epoch\":0,\"images_per_s\":100,\"lr\":0.1,\"seconds\":2,"), text)
    }

    /// A version-1 checkpoint (ResNetConfig header, no profile) written by commit 902d52a
    /// (Fixtures/make_v1_checkpoint.sh) still loads, as a ResNet under the digital profile.
    func testVersion1CheckpointLoads() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path + "/Fixtures/v1_resnet18_width2.ckpt"
        let ck = try Checkpoint(path: path)
        XCTAssertEqual(ck.header.model, .resnet(ResNetConfig(depth: 18, inputChannels: 1, classes: 10, width: 2, stem: .small)))
        XCTAssertNil(ck.header.profile)
        XCTAssertEqual(ck.header.step, 2)
        XCTAssertEqual(ck.header.training?.model, ck.header.model)
        let model = try Model(ck.header.model)
        try model.loadState(from: ck.arrays, path: path)
        XCTAssertEqual(model.parameterCount, 11384)
        // Its training state resumes, under the digital profile only.
        let data = ImageDataset.synthetic(count: 32, channels: 1, height: 28, width: 28, classes: 10, seed: 1)
        XCTAssertNoThrow(try Trainer(resuming: ck, path: path, train: data, test: nil))
        // Re-written, it is a version-2 file with the same content.
        let copy = dir + "/v2.ckpt"
        try ck.write(to: copy)
        let v2 = try Data(contentsOf: URL(fileURLWithPath: copy))
        XCTAssertEqual(v2[8], 2)
        XCTAssertEqual(try Checkpoint(path: copy).arrays, ck.arrays)
    }

    func testProfileRecordRoundTrips() throws {
        var h = sample().header
        h.profile = ProfileRecord(name: "pcm", tables: ["t": "00ff"], document: "{}")
        try Checkpoint(header: h, arrays: []).write(to: dir + "/p.ckpt")
        XCTAssertEqual(try Checkpoint(path: dir + "/p.ckpt").header.profile, h.profile)
    }
}
