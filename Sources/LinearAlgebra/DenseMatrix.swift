/// A dense real matrix stored column-major (`storage[row + column · rows]`), LAPACK's layout.
public struct DenseMatrix: Sendable, Equatable {
    public let rows: Int
    public let columns: Int
    /// Column-major values.
    public var storage: [Double]

    /// A `rows × columns` matrix filled with `value`.
    public init(rows: Int, columns: Int, repeating value: Double = 0) {
        precondition(rows >= 0 && columns >= 0, "matrix sizes must be non-negative")
        self.rows = rows
        self.columns = columns
        self.storage = Array(repeating: value, count: rows * columns)
    }

    /// A matrix from row-major nested arrays (convenient in tests); rows must have equal length.
    public init(rowMajor values: [[Double]]) throws {
        let r = values.count
        let c = values.first?.count ?? 0
        self.init(rows: r, columns: c)
        for (i, row) in values.enumerated() {
            guard row.count == c else { throw LinearAlgebraError.dimensionMismatch(expected: c, actual: row.count) }
            for (j, v) in row.enumerated() { storage[i + j * r] = v }
        }
    }

    /// The `n × n` identity.
    public static func identity(_ n: Int) -> DenseMatrix {
        var m = DenseMatrix(rows: n, columns: n)
        for i in 0..<n { m.storage[i + i * n] = 1 }
        return m
    }

    public subscript(row: Int, column: Int) -> Double {
        get { storage[row + column * rows] }
        set { storage[row + column * rows] = newValue }
    }

    /// Sets every value to zero, keeping the size.
    public mutating func zero() {
        for i in storage.indices { storage[i] = 0 }
    }

    /// The product `A x`.
    public func multiply(_ x: [Double]) throws -> [Double] {
        guard x.count == columns else { throw LinearAlgebraError.dimensionMismatch(expected: columns, actual: x.count) }
        var y = Array(repeating: 0.0, count: rows)
        for j in 0..<columns {
            let xj = x[j]
            if xj == 0 { continue }
            let base = j * rows
            for i in 0..<rows { y[i] += storage[base + i] * xj }
        }
        return y
    }
}
