import Foundation
import Tensor
import XCTest
@testable import NN

final class TrainerTests: XCTestCase {
    private var dir = ""
    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "kelvin-train-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    private let train = ImageDataset.synthetic(count: 64, channels: 1, height: 8, width: 8, classes: 4, seed: 5)
    private let test = ImageDataset.synthetic(count: 16, channels: 1, height: 8, width: 8, classes: 4, seed: 6)

    private func options(maxSteps: Int?, epochs: Int = 2) -> TrainingOptions {
        TrainingOptions(
            model: .resnet(ResNetConfig(depth: 18, inputChannels: 1, classes: 4, width: 4, stem: .small)), dataset: "synthetic",
            epochs: epochs, batchSize: 16, learningRate: 0.05, momentum: 0.9, weightDecay: 5e-4, schedule: .onecycle,
            seed: 7, maxSteps: maxSteps, augmentation: Augmentation(cropPadding: 1, horizontalFlip: true))
    }

    func testResumeEqualsUninterruptedRun() throws {
        // Uninterrupted: 6 steps (crosses the epoch boundary at 4).
        var a = try Trainer(options: options(maxSteps: 6), train: train, test: nil)
        XCTAssertEqual(try a.run(runDirectory: dir + "/a"), .stoppedAtMaxSteps(step: 6))
        // Interrupted after 2 steps, resumed from the checkpoint up to 6.
        var b = try Trainer(options: options(maxSteps: 2), train: train, test: nil)
        XCTAssertEqual(try b.run(runDirectory: dir + "/b"), .stoppedAtMaxSteps(step: 2))
        let path = dir + "/b/last.ckpt"
        var c = try Trainer(resuming: try Checkpoint(path: path), path: path, train: train, test: nil, maxSteps: .some(6))
        XCTAssertEqual(c.step, 2)
        XCTAssertEqual(try c.run(runDirectory: dir + "/b"), .stoppedAtMaxSteps(step: 6))
        let wa = a.model.stateArrays(), wc = c.model.stateArrays()
        XCTAssertEqual(wa.map(\.name), wc.map(\.name))
        for (x, y) in zip(wa, wc) {
            let worst = zip(x.values, y.values).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThanOrEqual(worst, 1e-6, x.name)
        }
        XCTAssertEqual(a.optimizer.momentumBuffers.count, c.optimizer.momentumBuffers.count)
        // metrics.jsonl: epoch 1 complete, epoch 2 partial — once each after the resume.
        XCTAssertEqual(try MetricsWriter(path: dir + "/b/metrics.jsonl").read().map(\.epoch), [1, 2])
    }

    /// An interrupt (shouldStop) mid-epoch saves a checkpoint from which the run resumes without
    /// losing a step: the result equals the uninterrupted run.
    func testInterruptSavesCheckpointAndResumeLosesNothing() throws {
        var a = try Trainer(options: options(maxSteps: 6), train: train, test: nil)
        XCTAssertEqual(try a.run(runDirectory: dir + "/a"), .stoppedAtMaxSteps(step: 6))
        var b = try Trainer(options: options(maxSteps: 6), train: train, test: nil)
        var polls = 0
        let outcome = try b.run(runDirectory: dir + "/b", shouldStop: { polls += 1; return polls == 3 })
        XCTAssertEqual(outcome, .interrupted(step: 3))
        let path = dir + "/b/last.ckpt"
        var c = try Trainer(resuming: try Checkpoint(path: path), path: path, train: train, test: nil, maxSteps: .some(6))
        XCTAssertEqual(c.step, 3)
        XCTAssertEqual(try c.run(runDirectory: dir + "/b"), .stoppedAtMaxSteps(step: 6))
        // steps.csv holds every step exactly once across the interruption.
        XCTAssertEqual(try StepLog(path: dir + "/b/steps.csv").read().map(\.step), Array(1...6))
        for (x, y) in zip(a.model.stateArrays(), c.model.stateArrays()) {
            let worst = zip(x.values, y.values).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThanOrEqual(worst, 1e-6, x.name)
        }
    }

    func testFullRunWritesMetricsAndCheckpointThatEvaluates() throws {
        var t = try Trainer(options: options(maxSteps: nil), train: train, test: test)
        var steps = 0
        XCTAssertEqual(try t.run(runDirectory: dir, onStep: { _ in steps += 1 }), .finished)
        XCTAssertEqual(steps, 8)
        let lines = try MetricsWriter(path: dir + "/metrics.jsonl").read()
        XCTAssertEqual(lines.map(\.epoch), [1, 2])
        XCTAssertNotNil(lines[1].test_top1)
        XCTAssertLessThan(lines[1].train_loss, lines[0].train_loss)
        let ck = try Checkpoint(path: dir + "/last.ckpt")
        XCTAssertEqual(ck.header.epoch, 2)
        let model = try Model(ck.header.model, seed: 99)
        try model.loadState(from: ck.arrays, path: dir + "/last.ckpt")
        let reloaded = Trainer.evaluate(model, on: test), original = Trainer.evaluate(t.model, on: test)
        XCTAssertEqual(reloaded.top1, original.top1)
        XCTAssertEqual(reloaded.top5, original.top5)
        XCTAssertEqual(reloaded.images, 16)
    }

    func testNonFiniteLossStopsWithStepAndKeepsCheckpoint() throws {
        var t = try Trainer(options: options(maxSteps: nil, epochs: 1), train: train, test: nil)
        _ = try t.run(runDirectory: dir)
        let path = dir + "/last.ckpt"
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        var poisoned = train
        for i in 0..<poisoned.images.count where i % 7 == 0 { poisoned.images[i] = .nan }
        var r = try Trainer(resuming: try Checkpoint(path: path), path: path, train: poisoned, test: nil, epochs: 3)
        XCTAssertThrowsError(try r.run(runDirectory: dir)) { error in
            guard case .nonFiniteLoss(let step, _)? = error as? NNError else { return XCTFail("\(error)") }
            XCTAssertEqual(step, 5)
            XCTAssertTrue("\(error)".contains("step 5"))
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), before)
    }

    func testMismatchedCheckpointRejectedWithPath() throws {
        let t = try Trainer(options: options(maxSteps: nil), train: train, test: nil)
        let path = dir + "/m.ckpt"
        try t.checkpoint().write(to: path)
        let other = try ResNet(ResNetConfig(depth: 18, inputChannels: 1, classes: 4, width: 8, stem: .small))
        XCTAssertThrowsError(try other.loadState(from: try Checkpoint(path: path).arrays, path: path)) { e in
            XCTAssertTrue("\(e)".contains(path) && "\(e)".contains("shape"), "\(e)")
        }
    }

    private struct NamedProfile: ExecutionProfile { var name: String }

    /// The checkpoint records the profile; resuming under another one is refused with the reason,
    /// and resuming under the same one works.
    func testResumeRefusesADifferentProfile() throws {
        var t = try Trainer(options: options(maxSteps: 1), profile: NamedProfile(name: "noisy"), train: train, test: nil)
        _ = try t.run(runDirectory: dir)
        let path = dir + "/last.ckpt"
        let ck = try Checkpoint(path: path)
        XCTAssertEqual(ck.header.profile?.name, "noisy")
        XCTAssertThrowsError(try Trainer(resuming: ck, path: path, train: train, test: nil)) { e in
            let text = "\(e)"
            XCTAssertTrue(text.contains(path) && text.contains("'digital'") && text.contains("'noisy'") && text.contains("--init"), text)
        }
        XCTAssertNoThrow(try Trainer(resuming: ck, path: path, profile: NamedProfile(name: "noisy"), train: train, test: nil, maxSteps: .some(2)))
        XCTAssertEqual(try MetricsWriter(path: dir + "/metrics.jsonl").read().last?.profile, "noisy")
    }

    /// A trainer trains the model it is given (here one with loaded weights), not a fresh one.
    func testTrainerUsesTheModelItIsGiven() throws {
        var first = try Trainer(options: options(maxSteps: 2), train: train, test: nil)
        _ = try first.run(runDirectory: dir)
        let ck = try Checkpoint(path: dir + "/last.ckpt")
        let model = try Model(ck.header.model)
        try model.loadState(from: ck.arrays, path: dir + "/last.ckpt")
        let given = try Trainer(options: options(maxSteps: 2), model: model, train: train, test: nil)
        XCTAssertEqual(given.model.stateArrays(), first.model.stateArrays())
        XCTAssertEqual(given.step, 0)
        XCTAssertThrowsError(try Trainer(options: options(maxSteps: 2), model: try Model(.mlp(inputs: 64, hidden: [], classes: 4)),
                                         train: train, test: nil)) { e in XCTAssertTrue("\(e)".contains("not the one"), "\(e)") }
    }

    /// Networks other than ResNets train and resume (a small CNN and an MLP).
    func testSmallNetworksTrainAndResume() throws {
        for (i, spec) in [ModelSpec.cnn(inputChannels: 1, height: 8, width: 8, classes: 4, channels: 2),
                          .mlp(inputs: 64, hidden: [8], classes: 4)].enumerated() {
            var o = options(maxSteps: 3)
            o.model = spec
            var t = try Trainer(options: o, train: train, test: test)
            XCTAssertEqual(try t.run(runDirectory: dir + "/\(i)"), .stoppedAtMaxSteps(step: 3))
            let path = dir + "/\(i)/last.ckpt"
            let ck = try Checkpoint(path: path)
            XCTAssertEqual(ck.header.model, spec)
            var r = try Trainer(resuming: ck, path: path, train: train, test: test, maxSteps: .some(4))
            XCTAssertEqual(try r.run(runDirectory: dir + "/\(i)"), .stoppedAtMaxSteps(step: 4))
        }
    }
}
