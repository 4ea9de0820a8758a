import Netlist
import XCTest

@testable import Simulator

/// The simulator's linear solvers: `.options solver=klu|dense|auto` reaches the Newton setup,
/// both solvers give the same answers on a circuit above the automatic crossover, and a singular
/// matrix names an unknown with either.
final class SolverChoiceTests: XCTestCase {
    /// A resistor/diode ladder of `n` sections (`n + 1` unknowns) with a DC sweep of its input.
    private func ladder(_ n: Int, solver: String?) -> Deck {
        var t = TestDeck("ladder")
        t.v("vin", "n0", "0", 0)
        for k in 1...n {
            t.r("rs\(k)", "n\(k - 1)", "n\(k)", 20)
            t.d("d\(k)", "n\(k)", "0", ["is": 1e-14, "n": 1.5, "rs": 2])
            t.r("rp\(k)", "n\(k)", "0", 5e3)
        }
        t.dc(SweepSpec(source: "vin", start: 0, stop: 5, step: 0.25))
        if let solver { t.deck.options.text["solver"] = solver }
        return t.deck
    }

    func testOptionSelectsTheSolver() {
        XCTAssertEqual(NewtonSolver.solverChoice(Options()), .automatic)
        XCTAssertEqual(NewtonSolver.solverChoice(Options(text: ["solver": "klu"])), .sparse)
        XCTAssertEqual(NewtonSolver.solverChoice(Options(text: ["solver": "dense"])), .dense)
        XCTAssertEqual(NewtonSolver.solverChoice(Options(text: ["solver": "unknown"])), .automatic)
    }

    func testSparseAndDenseAgreeAboveTheCrossover() throws {
        let dense = try Simulation(deck: ladder(80, solver: "dense")).run()
        let sparse = try Simulation(deck: ladder(80, solver: "klu")).run()
        let automatic = try Simulation(deck: ladder(80, solver: nil)).run()
        XCTAssertEqual(dense[0].variables, sparse[0].variables)
        XCTAssertEqual(dense[0].rows.count, 21)
        for (a, b) in zip(dense[0].rows, sparse[0].rows) {
            for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: 1e-9 * max(abs(x), 1e-3)) }
        }
        XCTAssertEqual(automatic[0].rows, sparse[0].rows, "81 unknowns: automatic picks the sparse solver")
    }

    func testSingularMatrixNamesAnUnknownWithEitherSolver() throws {
        for solver in ["dense", "klu"] {
            // E1 and E2 each force their node to the other's voltage: no topological loop, but the
            // two branch equations are linearly dependent.
            var t = TestDeck("singular")
            t.r("ra", "a", "0", 1e3)
            t.r("rb", "b", "0", 1e3)
            t.e("e1", ["a", "0", "b", "0"], 1)
            t.e("e2", ["b", "0", "a", "0"], 1)
            t.op()
            t.deck.options.text["solver"] = solver
            XCTAssertThrowsError(try Simulation(deck: t.deck).run(), solver) { error in
                guard case .singularMatrix(_, let unknown)? = error as? SimulatorError else {
                    return XCTFail("\(solver): expected a singular matrix, got \(error)")
                }
                XCTAssertFalse(unknown.isEmpty)
            }
        }
    }
}
