import Foundation
import Tensor
import XCTest
@testable import NN

/// The per-block pipelined update: the schedule's staleness, a hand-worked two-block example,
/// equality with standard SGD at m = batch, and exact resume.
final class PipelinedUpdateTests: XCTestCase {
    func testScheduleStaleness() {
        let s = PipelineSchedule(blocks: 2)
        XCTAssertEqual([s.staleness(block: 0), s.staleness(block: 1)], [3, 1])
        XCTAssertEqual((0..<5).map { s.version(block: 1, microBatch: $0) }, [0, 0, 1, 2, 3])
        XCTAssertEqual((0..<5).map { s.version(block: 0, microBatch: $0) }, [0, 0, 0, 0, 1])
        XCTAssertEqual(s.ticks(microBatches: 8, pipelined: true), 11)
        XCTAssertEqual(s.ticks(microBatches: 8, pipelined: false), 32)
    }

    /// Two blocks, y = w1·(w0·x), loss L_k = y, SGD lr 0.1, w0 = 1, w1 = 2, x = 1, 2, 3.
    /// Block 0 (staleness 3) reads version 0 throughout; block 1 (staleness 1) reads v = k − 1.
    ///   k=0: reads (1, 2):    ∂w0 = 2·1 = 2,   ∂w1 = 1·1 = 1  → w0 = 0.8,  w1 = 1.9
    ///   k=1: reads (1, 2):    ∂w0 = 2·2 = 4,   ∂w1 = 1·2 = 2  → w0 = 0.4,  w1 = 1.7
    ///   k=2: reads (1, 1.9):  ∂w0 = 1.9·3 = 5.7, ∂w1 = 1·3 = 3 → w0 = −0.17, w1 = 1.4
    /// (standard SGD would end at w0 = −0.1076, w1 = 1.538.)
    func testHandWorkedTwoBlockExample() {
        let w0 = Parameter(Tensor(shape: [1], data: [1])), w1 = Parameter(Tensor(shape: [1], data: [2]))
        var sgd = SGD(parameters: [w0, w1], config: SGDConfig(learningRate: 0.1))
        let xs: [Float] = [1, 2, 3]
        var seen = [[Float]]()
        let losses = PipelinedUpdate.run(blocks: [[0], [1]], microBatches: 3, optimizer: &sgd) { k in
            seen.append([w0.value.scalar, w1.value.scalar])
            return (w1.value * (w0.value * Tensor(shape: [1], data: [xs[k]]))).sum()
        }
        XCTAssertEqual(seen, [[1, 2], [1, 2], [1, 1.9]])
        XCTAssertEqual(losses, [2, 4, 5.7])
        XCTAssertEqual(w0.value.scalar, -0.17, accuracy: 1e-6)
        XCTAssertEqual(w1.value.scalar, 1.4, accuracy: 1e-6)
    }

    private let train = ImageDataset.synthetic(count: 64, channels: 1, height: 8, width: 8, classes: 4, seed: 5)

    private func options(microBatch: Int?, batch: Int = 16, maxSteps: Int) -> TrainingOptions {
        var o = TrainingOptions(
            model: .cnn(inputChannels: 1, height: 8, width: 8, classes: 4, channels: 2), dataset: "synthetic", epochs: 2,
            batchSize: batch, learningRate: 0.05, momentum: 0.9, weightDecay: 5e-4, schedule: .onecycle, seed: 3, maxSteps: maxSteps)
        o.microBatch = microBatch
        return o
    }

    private func assertSameWeights(_ a: Trainer, _ b: Trainer, file: StaticString = #filePath, line: UInt = #line) {
        for (x, y) in zip(a.model.stateArrays(), b.model.stateArrays()) {
            XCTAssertEqual(x.values, y.values, x.name, file: file, line: line)
        }
    }

    func testOneMicroBatchPerBatchIsStandardSGD() throws {
        var a = try Trainer(options: options(microBatch: nil, maxSteps: 5), train: train, test: nil)
        var b = try Trainer(options: options(microBatch: 16, maxSteps: 5), train: train, test: nil)
        _ = try a.run(runDirectory: nil)
        _ = try b.run(runDirectory: nil)
        assertSameWeights(a, b)
        // With micro-batches the weights differ (stale reads, more updates).
        var c = try Trainer(options: options(microBatch: 4, maxSteps: 5), train: train, test: nil)
        _ = try c.run(runDirectory: nil)
        XCTAssertNotEqual(a.model.stateArrays()[0].values, c.model.stateArrays()[0].values)
    }

    func testResumeIsExact() throws {
        let dir = NSTemporaryDirectory() + "kelvin-pipe-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var a = try Trainer(options: options(microBatch: 4, maxSteps: 6), train: train, test: nil)
        _ = try a.run(runDirectory: dir + "/a")
        var b = try Trainer(options: options(microBatch: 4, maxSteps: 2), train: train, test: nil)
        _ = try b.run(runDirectory: dir + "/b")
        let path = dir + "/b/last.ckpt"
        var c = try Trainer(resuming: try Checkpoint(path: path), path: path, train: train, test: nil, maxSteps: .some(6))
        XCTAssertEqual(c.options.microBatch, 4)
        _ = try c.run(runDirectory: dir + "/b")
        assertSameWeights(a, c)
    }

    func testMicroBatchMustDivideTheBatch() {
        XCTAssertThrowsError(try Trainer(options: options(microBatch: 5, maxSteps: 1), train: train, test: nil))
    }
}
