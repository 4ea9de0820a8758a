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
        var h = CheckpointHeader(model: ResNetConfig(depth: 18, inputChannels: 1, classes: 10, width: 4, stem: .small),
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
}
