import CLAPACK

/// LU factorisation with partial pivoting of a dense square matrix, `P A = L U`, via LAPACK
/// `dgetrf` (factor) and `dgetrs` (solve). Cost: `2n³/3` flops to factor, `2n²` per solve.
///
/// Conforms to `PatternSolver` so a circuit simulator can use it interchangeably with a sparse
/// solver: pattern values are scattered (and summed) into the dense matrix on `load(values:)`.
public struct DenseLU: PatternSolver {
    public typealias Scalar = Double

    /// The matrix to factor; edit it freely before `factor()`.
    public var matrix: DenseMatrix
    /// `L` and `U` packed as LAPACK leaves them, valid after `factor()`.
    public private(set) var factors: DenseMatrix
    /// One-based LAPACK row interchanges, valid after `factor()`.
    public private(set) var pivots: [Int32]
    public private(set) var isFactored = false
    private var pattern: [MatrixEntry]

    /// A solver for a square `matrix`.
    public init(matrix: DenseMatrix) throws {
        guard matrix.rows == matrix.columns else {
            throw LinearAlgebraError.dimensionMismatch(expected: matrix.rows, actual: matrix.columns)
        }
        self.matrix = matrix
        self.factors = matrix
        self.pivots = Array(repeating: 0, count: matrix.rows)
        self.pattern = []
    }

    public init(dimension: Int, pattern: [MatrixEntry]) throws {
        for e in pattern where e.row < 0 || e.row >= dimension || e.column < 0 || e.column >= dimension {
            throw LinearAlgebraError.entryOutOfRange(row: e.row, column: e.column, dimension: dimension)
        }
        try self.init(matrix: DenseMatrix(rows: dimension, columns: dimension))
        self.pattern = pattern
    }

    public mutating func load(values: [Double]) throws {
        guard values.count == pattern.count else {
            throw LinearAlgebraError.dimensionMismatch(expected: pattern.count, actual: values.count)
        }
        matrix.zero()
        let n = matrix.rows
        for (k, e) in pattern.enumerated() { matrix.storage[e.row + e.column * n] += values[k] }
        isFactored = false
    }

    public mutating func factor() throws {
        isFactored = false
        let n = matrix.rows
        factors = matrix
        if n == 0 { isFactored = true; return }
        let info = LAPACKCall.getrf(n: n, a: &factors.storage, pivots: &pivots)
        if info < 0 { throw LinearAlgebraError.lapack(routine: "dgetrf", info: info) }
        if info > 0 { throw LinearAlgebraError.singular(column: info - 1) }
        isFactored = true
    }

    public func solve(_ rhs: inout [Double]) throws {
        guard isFactored else { throw LinearAlgebraError.notFactored }
        let n = matrix.rows
        guard rhs.count == n else { throw LinearAlgebraError.dimensionMismatch(expected: n, actual: rhs.count) }
        if n == 0 { return }
        let info = LAPACKCall.getrs(n: n, factors: factors.storage, pivots: pivots, b: &rhs)
        if info != 0 { throw LinearAlgebraError.lapack(routine: "dgetrs", info: info) }
    }
}

/// The only place LAPACK's pointer arguments are formed.
enum LAPACKCall {
    /// `dgetrf` on an `n × n` column-major array; returns LAPACK's `info`.
    static func getrf(n: Int, a: inout [Double], pivots: inout [Int32]) -> Int {
        var m = Int32(n), nn = Int32(n), lda = Int32(n), info: Int32 = 0
        a.withUnsafeMutableBufferPointer { ap in
            pivots.withUnsafeMutableBufferPointer { pp in
                dgetrf_(&m, &nn, ap.baseAddress, &lda, pp.baseAddress, &info)
            }
        }
        return Int(info)
    }

    /// `dgetrs` (no transpose, one right-hand side); returns LAPACK's `info`.
    static func getrs(n: Int, factors: [Double], pivots: [Int32], b: inout [Double]) -> Int {
        var trans = CChar(UInt8(ascii: "N")), nn = Int32(n), nrhs: Int32 = 1, lda = Int32(n), ldb = Int32(n)
        var info: Int32 = 0
        factors.withUnsafeBufferPointer { ap in
            pivots.withUnsafeBufferPointer { pp in
                b.withUnsafeMutableBufferPointer { bp in
                    dgetrs_(&trans, &nn, &nrhs, ap.baseAddress, &lda, pp.baseAddress, bp.baseAddress, &ldb, &info)
                }
            }
        }
        return Int(info)
    }
}
