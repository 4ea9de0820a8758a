import Collective
import Tensor
import TestSupport
import XCTest
@testable import NN

/// The bucketing and back-writing of `GradientAverager`, on the one-process communicator (the sum
/// over ranks is the identity; the MPI path is tested end to end in CLITests/DistributedTrainTests).
final class GradientAveragerTests: XCTestCase {
    func testBucketsStartDuringTheBackwardPassAndGradientsComeBackUnchanged() throws {
        let spec = ModelSpec.cnn(inputChannels: 1, height: 8, width: 8, classes: 4, channels: 4)
        let model = try Model(spec, seed: 3)
        var rng = SeededGenerator(seed: 11)
        let x = Tensor.randn([6, 1, 8, 8], using: &rng)
        let labels = [0, 1, 2, 3, 0, 1]
        let parameters = model.parameters
        func loss() -> Tensor { softmaxCrossEntropy(model(x, context: .training), labels: labels) }

        for p in parameters { p.zeroGrad() }
        loss().backward()
        let expected = parameters.map { $0.grad?.scalars }

        // 64-byte buckets: nearly one parameter each, so the order of starts is visible.
        let averager = GradientAverager(parameters: parameters, communicator: .single, bucketBytes: 64)
        XCTAssertGreaterThan(averager.buckets.count, 3)
        XCTAssertEqual(averager.buckets.flatMap { $0 }.sorted(), Array(parameters.indices), "every parameter in one bucket")
        XCTAssertEqual(averager.elementCount, parameters.reduce(0) { $0 + $1.value.count })
        for step in 0..<2 {  // the averager is reused from step to step
            for p in parameters { p.zeroGrad() }
            var reported = 0, reportedAtFirstStart: Int?
            loss().backward(reporting: parameters) {
                averager.parameterReady($0)
                reported += 1
                if averager.startedCount > 0, reportedAtFirstStart == nil { reportedAtFirstStart = reported }
            }
            // Overlap: the first bucket (the last layer's parameters) starts while most are still to come.
            XCTAssertLessThanOrEqual(reportedAtFirstStart ?? .max, 2, "step \(step)")
            averager.finish()
            XCTAssertEqual(averager.lastStartedDuringBackward, averager.buckets.count,
                           "step \(step): every bucket should start as the backward pass reaches it")
            for (i, p) in parameters.enumerated() {
                XCTAssertEqual(p.grad?.scalars ?? [], expected[i] ?? [], "parameter \(i) (\(p.label)), step \(step)")
            }
        }
    }
}
