import XCTest

@testable import Simulator

/// The integration formulas and the truncation-error estimate on polynomials they must get right.
final class IntegratorTests: XCTestCase {
    /// Derivative the formula gives at `t[0]` for `q(t)`, with `t` newest first and the exact
    /// previous derivative `qdot1`.
    func derivative(_ integrator: any Integrator, times t: [Double], q: (Double) -> Double, qdot1: Double) -> Double {
        let steps = zip(t, t.dropFirst()).map { $0 - $1 }
        let f = integrator.formula(steps: steps)
        let history = f.history(charges: t.dropFirst().map { [q($0)] }, derivative: [qdot1])
        return f.alpha * q(t[0]) + history[0]
    }

    func testBackwardEulerIsExactForLines() {
        let d = derivative(BackwardEuler(), times: [3, 2.5], q: { 4 * $0 - 1 }, qdot1: 4)
        XCTAssertEqual(d, 4, accuracy: 1e-12)
    }

    func testTrapezoidalIsExactForQuadratics() {
        let d = derivative(Trapezoidal(), times: [3, 2.5], q: { $0 * $0 }, qdot1: 5)
        XCTAssertEqual(d, 6, accuracy: 1e-12)
    }

    func testGear2IsExactForQuadraticsWithUnequalSteps() {
        let d = derivative(Gear2(), times: [3, 2.5, 1.75], q: { 2 * $0 * $0 - $0 + 1 }, qdot1: 0)
        XCTAssertEqual(d, 11, accuracy: 1e-10)
        let f = Gear2().formula(steps: [1, 1])
        XCTAssertEqual(f.alpha, 1.5, accuracy: 1e-15)
        XCTAssertEqual(f.pastCharges, [-2, 0.5])
    }

    func testMethodSelection() {
        XCTAssertTrue(IntegrationMethod(option: "gear").integrator(order: 2) is Gear2)
        XCTAssertTrue(IntegrationMethod(option: "trap").integrator(order: 2) is Trapezoidal)
        XCTAssertTrue(IntegrationMethod(option: "gear").integrator(order: 1) is BackwardEuler)
    }

    /// For q = t² the second divided difference is 1, so backward Euler's allowed step is
    /// `trtol·tol / (½·1)`; with tiny reltol the tolerance is abstol.
    func testTruncationErrorOnQuadraticCharge() {
        let te = TruncationError(reltol: 0, abstol: 1e-3, chgtol: 1e-14, trtol: 7)
        let t = [1.0, 0.9, 0.7]
        let charges = t.map { [$0 * $0] } + [[0.0]]
        let (step, row) = te.allowedStep(
            charges: charges, derivatives: [[2], [1.8]], steps: [0.1, 0.2, 0.2], order: 1, errorConstant: 0.5)
        XCTAssertEqual(row, 0)
        XCTAssertEqual(step, min(2 * 0.1, 7 * 1e-3 / 0.5), accuracy: 1e-12)
        // A row without charge never limits the step.
        let none = te.allowedStep(charges: [[0], [0], [0]], derivatives: [[0], [0]], steps: [0.1, 0.1], order: 1,
                                  errorConstant: 0.5)
        XCTAssertNil(none.row)
        XCTAssertEqual(none.step, 0.2)
    }

    func testBreakpointsMergeAndEndAtStop() {
        var b = Breakpoints([3e-3, 1e-3, 1e-3 + 1e-12, 5e-3, -1, 0], stop: 4e-3, minimumSpacing: 1e-9)
        XCTAssertEqual(b.times, [1e-3, 3e-3, 4e-3])
        b.pass(1e-3, tolerance: 1e-9)
        XCTAssertEqual(b.upcoming, 3e-3)
        b.pass(10, tolerance: 0)
        XCTAssertEqual(b.upcoming, 4e-3)
    }
}
