import Foundation
import TestSupport
import XCTest
@testable import Tensor

/// Two threads standing in for two processes: `sum` returns once both have given their values.
private final class TwoPartyReducer: BatchStatisticsReducer, @unchecked Sendable {
    private let condition = NSCondition()
    private var deposited: [[Double]] = []
    private var collected = 0
    private var result: [Double] = []
    private(set) var calls = 0

    func sum(_ values: inout [Double]) {
        condition.lock()
        defer { condition.unlock() }
        while deposited.count == 2 { condition.wait() }  // the previous round is still being read
        deposited.append(values)
        if deposited.count == 2 {
            result = zip(deposited[0], deposited[1]).map { $0 + $1 }
            calls += 1
            condition.broadcast()
        } else {
            while deposited.count < 2 { condition.wait() }
        }
        values = result
        collected += 1
        if collected == 2 { deposited = []; collected = 0; condition.broadcast() }
    }
}

/// Synchronised batch norm and the per-parameter ready hook of the backward pass.
final class DataParallelTests: XCTestCase {
    func testSynchronisedBatchNormOverTwoHalvesIsBatchNormOverTheWhole() {
        var rng = SeededGenerator(seed: 13)
        let n = 8, c = 3
        let x = randomTensor([n, c, 2, 2], &rng, scale: 2)
        let w = randomTensor([n, c, 2, 2], &rng)
        let gammaValues = randomTensor([c], &rng, awayFromZero: 0.5), betaValues = randomTensor([c], &rng)

        @Sendable func run(_ part: Range<Int>, sync: (any BatchStatisticsReducer)?, state: BatchNormState)
            -> (y: [Float], dx: [Float], dGamma: [Float], dBeta: [Float])
        {
            let size = c * 4
            var xs = Tensor(shape: [part.count, c, 2, 2], data: Array(x.scalars[(part.lowerBound * size)..<(part.upperBound * size)]))
            xs.requiresGrad = true
            let ws = Tensor(shape: xs.shape, data: Array(w.scalars[(part.lowerBound * size)..<(part.upperBound * size)]))
            let gamma = Parameter(gammaValues), beta = Parameter(betaValues)
            let y = batchNorm(xs, gamma: gamma.value, beta: beta.value, state: state, training: true, sync: sync)
            (y * ws).sum().backward()
            return (y.scalars, xs.grad!.scalars, gamma.grad!.scalars, beta.grad!.scalars)
        }
        let whole = BatchNormState(channels: c)
        let expected = run(0..<n, sync: nil, state: whole)

        let reducer = TwoPartyReducer()
        let states = [BatchNormState(channels: c), BatchNormState(channels: c)]
        let halves = [0..<(n / 2), (n / 2)..<n]
        nonisolated(unsafe) var results: [(y: [Float], dx: [Float], dGamma: [Float], dBeta: [Float])?] = [nil, nil]
        let group = DispatchGroup()
        for p in 0..<2 {
            group.enter()
            Thread.detachNewThread { [halves, states] in
                let r = run(halves[p], sync: reducer, state: states[p])
                results[p] = r
                group.leave()
            }
        }
        XCTAssertEqual(group.wait(timeout: .now() + 30), .success)
        XCTAssertEqual(reducer.calls, 3, "two sums forward (Σx, Σ(x − μ)²), one backward (Σdy, Σdy·xhat), counted once per pair")
        guard let a = results[0], let b = results[1] else { return XCTFail("a half did not finish") }

        func assertAllClose(_ actual: [Float], _ expected: [Float], _ what: String) {
            XCTAssertEqual(actual.count, expected.count, what)
            for (u, v) in zip(actual, expected) { assertClose(Double(u), Double(v), relative: 1e-5, absolute: 1e-6, what) }
        }
        assertAllClose(a.y + b.y, expected.y, "output")
        assertAllClose(a.dx + b.dx, expected.dx, "input gradient")
        // Parameter gradients stay per process; their sum is the whole batch's.
        assertAllClose(zip(a.dGamma, b.dGamma).map(+), expected.dGamma, "dγ")
        assertAllClose(zip(a.dBeta, b.dBeta).map(+), expected.dBeta, "dβ")
        XCTAssertNotEqual(a.dGamma, expected.dGamma, "each half's dγ is its own part, not the total")
        for s in states {
            assertAllClose(s.runningMean, whole.runningMean, "running mean")
            assertAllClose(s.runningVar, whole.runningVar, "running variance")
        }
    }

    func testBackwardReportsEachParameterOnceWhenItsGradientIsFinal() {
        var rng = SeededGenerator(seed: 5)
        // w1 is used twice (two paths), w3 not at all: w1 is final only after both uses.
        let w1 = Parameter(randomTensor([3, 3], &rng)), w2 = Parameter(randomTensor([3, 3], &rng))
        let w3 = Parameter(randomTensor([2], &rng))
        let x = randomTensor([4, 3], &rng)
        let h = relu(matmul(x, w1.value))
        let loss = (matmul(matmul(h, w2.value), w1.value) + h).sum()
        var reported: [Int] = []
        var gradientAtReport: [Int: [Float]] = [:]
        let parameters = [w1, w2, w3]
        loss.backward(reporting: parameters) { i in
            reported.append(i)
            gradientAtReport[i] = parameters[i].grad?.scalars
        }
        XCTAssertEqual(reported.sorted(), [0, 1, 2])
        XCTAssertEqual(reported.last, 2, "the unused parameter is reported at the end")
        XCTAssertEqual(gradientAtReport[0], w1.grad?.scalars, "w1 reported before its last contribution")
        XCTAssertEqual(gradientAtReport[1], w2.grad?.scalars)
        XCTAssertNil(gradientAtReport[2] ?? nil)
        XCTAssertLessThan(reported.firstIndex(of: 1)!, reported.firstIndex(of: 0)!, "w2 is final before w1")
    }
}
