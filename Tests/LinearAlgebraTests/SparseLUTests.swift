import XCTest
import TestSupport
@testable import LinearAlgebra

/// SparseLU (KLU) against DenseLU (LAPACK) on random sparse systems, the refactor path, singular
/// matrices and the size-based solver choice.
final class SparseLUTests: XCTestCase {
    /// A random sparse pattern with a full diagonal plus `perRow` off-diagonal entries per row
    /// (some repeated, to check that duplicates are summed), and values that keep it well-conditioned.
    private func randomSystem(_ n: Int, perRow: Int, using rng: inout SeededGenerator)
        -> (pattern: [MatrixEntry], values: [Double])
    {
        var pattern: [MatrixEntry] = []
        var values: [Double] = []
        for i in 0..<n {
            pattern.append(MatrixEntry(row: i, column: i))
            values.append(Double(perRow + 2) * (Bool.random(using: &rng) ? 1 : -1))
            for _ in 0..<perRow {
                let j = Int.random(in: 0..<n, using: &rng)
                pattern.append(MatrixEntry(row: i, column: j))
                values.append(Double.random(in: -1...1, using: &rng))
            }
        }
        return (pattern, values)
    }

    private func solve<S: PatternSolver>(_ type: S.Type, _ n: Int, _ pattern: [MatrixEntry], _ values: [Double],
                                         _ rhs: [Double]) throws -> [Double] {
        var solver = try S(dimension: n, pattern: pattern)
        try solver.load(values: values)
        try solver.factor()
        var x = rhs
        try solver.solve(&x)
        return x
    }

    func testMatchesDenseOnRandomSparseSystems() throws {
        var rng = SeededGenerator(seed: 7)
        for n in [1, 2, 5, 17, 60, 200] {
            let (pattern, values) = randomSystem(n, perRow: 3, using: &rng)
            let rhs = (0..<n).map { _ in Double.random(in: -1...1, using: &rng) }
            let dense = try solve(DenseLU.self, n, pattern, values, rhs)
            let sparse = try solve(SparseLU.self, n, pattern, values, rhs)
            for i in 0..<n { assertClose(sparse[i], dense[i], relative: 1e-10, absolute: 1e-12, "n = \(n), x[\(i)]") }
        }
    }

    func testRefactorReusesPivotsAndFallsBackWhenTheyGoBad() throws {
        var rng = SeededGenerator(seed: 11)
        let n = 40
        let (pattern, values) = randomSystem(n, perRow: 2, using: &rng)
        var sparse = try SparseLU(dimension: n, pattern: pattern)
        var dense = try DenseLU(dimension: n, pattern: pattern)
        var current = values
        for step in 0..<6 {
            // Small changes keep the pivot order good: klu_refactor.
            for k in current.indices { current[k] *= 1 + 0.01 * Double.random(in: -1...1, using: &rng) }
            try sparse.load(values: current)
            try sparse.factor()
            try dense.load(values: current)
            try dense.factor()
            var xs = (0..<n).map { Double($0 % 7) - 3 }
            var xd = xs
            try sparse.solve(&xs)
            try dense.solve(&xd)
            for i in 0..<n { assertClose(xs[i], xd[i], relative: 1e-10, absolute: 1e-12, "step \(step)") }
        }
        XCTAssertEqual(sparse.fullFactorizations, 1)
        XCTAssertEqual(sparse.refactorizations, 5)

        // A 2×2 system whose first pivot goes to zero under the old pivot order: the refactor is
        // rejected and a fresh factorisation pivots around it.
        let p2 = [MatrixEntry(row: 0, column: 0), MatrixEntry(row: 0, column: 1),
                  MatrixEntry(row: 1, column: 0), MatrixEntry(row: 1, column: 1)]
        var small = try SparseLU(dimension: 2, pattern: p2)
        try small.load(values: [4, 1, 1, 3])
        try small.factor()
        try small.load(values: [0, 1, 1, 3])
        try small.factor()
        var b = [1.0, 5]
        try small.solve(&b)
        assertClose(b[0], 2, relative: 1e-12)
        assertClose(b[1], 1, relative: 1e-12)
        XCTAssertEqual(small.fullFactorizations, 2)
    }

    func testSingularNamesTheColumn() throws {
        // Column 2 is all zero (structurally singular).
        let pattern = [MatrixEntry(row: 0, column: 0), MatrixEntry(row: 1, column: 1), MatrixEntry(row: 2, column: 1),
                       MatrixEntry(row: 3, column: 3), MatrixEntry(row: 2, column: 0)]
        var lu = try SparseLU(dimension: 4, pattern: pattern)
        try lu.load(values: [1, 2, 3, 4, 5])
        XCTAssertThrowsError(try lu.factor()) { error in
            XCTAssertEqual(error as? LinearAlgebraError, .singular(column: 2))
        }
        var b = [1.0, 1, 1, 1]
        XCTAssertThrowsError(try lu.solve(&b))

        // Numerically singular: column 1 equals column 0.
        let full = (0..<2).flatMap { i in (0..<2).map { MatrixEntry(row: i, column: $0) } }
        var twin = try SparseLU(dimension: 2, pattern: full)
        try twin.load(values: [1, 1, 2, 2])
        XCTAssertThrowsError(try twin.factor()) { error in
            XCTAssertEqual(error as? LinearAlgebraError, .singular(column: 1))
        }
    }

    func testPatternChecksAndEmptySystem() throws {
        XCTAssertThrowsError(try SparseLU(dimension: 2, pattern: [MatrixEntry(row: 0, column: 2)]))
        var lu = try SparseLU(dimension: 1, pattern: [MatrixEntry(row: 0, column: 0), MatrixEntry(row: 0, column: 0)])
        XCTAssertThrowsError(try lu.load(values: [1]))
        try lu.load(values: [1, 3])
        try lu.factor()
        var b = [8.0]
        try lu.solve(&b)
        assertClose(b[0], 2, relative: 1e-15)
        var empty = try SparseLU(dimension: 0, pattern: [])
        try empty.factor()
        var none: [Double] = []
        try empty.solve(&none)
    }

    func testCopiesOwnTheirFactors() throws {
        let pattern = [MatrixEntry(row: 0, column: 0), MatrixEntry(row: 1, column: 1)]
        var a = try SparseLU(dimension: 2, pattern: pattern)
        try a.load(values: [2, 4])
        try a.factor()
        var b = a
        try b.load(values: [1, 1])
        try b.factor()
        var x = [2.0, 4]
        try a.solve(&x)
        XCTAssertEqual(x, [1, 1])
        var y = [2.0, 4]
        try b.solve(&y)
        XCTAssertEqual(y, [2, 4])
    }

    func testSolverChoice() throws {
        let threshold = SolverChoice.sparseThreshold
        XCTAssertEqual(SolverChoice.automatic.resolved(dimension: threshold - 1), .dense)
        XCTAssertEqual(SolverChoice.automatic.resolved(dimension: threshold), .sparse)
        XCTAssertEqual(SolverChoice.dense.resolved(dimension: 10_000), .dense)
        XCTAssertEqual(SolverChoice.sparse.resolved(dimension: 1), .sparse)
        XCTAssertEqual(SolverChoice(option: "KLU"), .sparse)
        XCTAssertEqual(SolverChoice(option: "dense"), .dense)
        XCTAssertEqual(SolverChoice(option: "auto"), .automatic)
        XCTAssertNil(SolverChoice(option: "magic"))
        let diagonal = (0..<threshold).map { MatrixEntry(row: $0, column: $0) }
        XCTAssertTrue(try SolverChoice.automatic.makeSolver(dimension: threshold, pattern: diagonal) is SparseLU)
        XCTAssertTrue(try SolverChoice.automatic.makeSolver(dimension: 3, pattern: Array(diagonal.prefix(3))) is DenseLU)
    }
}
