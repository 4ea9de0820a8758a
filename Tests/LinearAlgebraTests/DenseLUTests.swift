import XCTest
import TestSupport
@testable import LinearAlgebra

final class DenseLUTests: XCTestCase {
    func testSolvesSmallSystem() throws {
        let a = try DenseMatrix(rowMajor: [[2, 1, 1], [4, -6, 0], [-2, 7, 2]])
        var lu = try DenseLU(matrix: a)
        try lu.factor()
        var b = [5.0, -2, 9]
        try lu.solve(&b)
        assertClose(b[0], 1, relative: 1e-12)
        assertClose(b[1], 1, relative: 1e-12)
        assertClose(b[2], 2, relative: 1e-12)
    }

    func testRandomSystemResidual() throws {
        var rng = SeededGenerator(seed: 42)
        let n = 30
        var a = DenseMatrix(rows: n, columns: n)
        for i in 0..<n { for j in 0..<n { a[i, j] = Double.random(in: -1...1, using: &rng) } }
        for i in 0..<n { a[i, i] += Double(n) }
        let x = (0..<n).map { _ in Double.random(in: -1...1, using: &rng) }
        var b = try a.multiply(x)
        var lu = try DenseLU(matrix: a)
        try lu.factor()
        try lu.solve(&b)
        for i in 0..<n { assertClose(b[i], x[i], relative: 1e-10, absolute: 1e-12) }
    }

    func testSingularReportsColumn() throws {
        let a = try DenseMatrix(rowMajor: [[1, 0, 0], [0, 0, 0], [0, 0, 1]])
        var lu = try DenseLU(matrix: a)
        XCTAssertThrowsError(try lu.factor()) { error in
            XCTAssertEqual(error as? LinearAlgebraError, .singular(column: 1))
        }
        var b = [1.0, 1, 1]
        XCTAssertThrowsError(try lu.solve(&b))
    }

    func testPatternLoadSumsDuplicates() throws {
        let pattern = [MatrixEntry(row: 0, column: 0), MatrixEntry(row: 0, column: 0),
                       MatrixEntry(row: 1, column: 1), MatrixEntry(row: 0, column: 1)]
        var lu = try DenseLU(dimension: 2, pattern: pattern)
        try lu.load(values: [1, 2, 4, 1])
        try lu.factor()
        var b = [4.0, 8]
        try lu.solve(&b)
        assertClose(b[1], 2, relative: 1e-14)
        assertClose(b[0], 2.0 / 3.0, relative: 1e-14)
        XCTAssertThrowsError(try DenseLU(dimension: 2, pattern: [MatrixEntry(row: 2, column: 0)]))
        XCTAssertThrowsError(try lu.load(values: [1]))
    }

    func testEmptySystem() throws {
        var lu = try DenseLU(dimension: 0, pattern: [])
        try lu.factor()
        var b: [Double] = []
        try lu.solve(&b)
        XCTAssertTrue(b.isEmpty)
    }
}
