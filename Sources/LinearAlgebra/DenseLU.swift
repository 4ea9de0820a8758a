import CLAPACK

/// LU factorisation with partial pivoting of a dense square matrix, `P A = L U`, via LAPACK
/// `dgetrf` (factor) and `dgetrs` (solve), or for matrices up to `nativeLimit` unknowns a native
/// loop with the same pivoting rule (`NativeLU`). Cost: `2n³/3` flops to factor, `2n²` per solve.
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
    /// Column-major offset of each pattern entry in `matrix.storage`.
    private var offsets: [Int] = []

    /// Largest dimension factored and solved natively instead of through LAPACK: below it a
    /// LAPACK call's argument checks and dispatch cost more than the arithmetic (measured: a
    /// 5-unknown fixture's `.dc` sweep spent more instructions in `dgetrf`/`dgetrs` set-up than
    /// in the elimination).
    public static let nativeLimit = 32

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
        self.offsets = pattern.map { $0.row + $0.column * dimension }
    }

    public mutating func load(values: [Double]) throws {
        guard values.count == pattern.count else {
            throw LinearAlgebraError.dimensionMismatch(expected: pattern.count, actual: values.count)
        }
        matrix.storage.withUnsafeMutableBufferPointer { a in
            a.update(repeating: 0)
            for k in offsets.indices { a[offsets[k]] += values[k] }
        }
        isFactored = false
    }

    public mutating func factor() throws {
        isFactored = false
        let n = matrix.rows
        if factors.storage.count == matrix.storage.count {
            // In place: assigning `factors = matrix` made a new copy at every factorisation.
            factors.storage.withUnsafeMutableBufferPointer { f in
                matrix.storage.withUnsafeBufferPointer { a in _ = f.update(fromContentsOf: a) }
            }
        } else {
            factors = matrix
        }
        if n == 0 { isFactored = true; return }
        if n <= Self.nativeLimit {
            if let column = NativeLU.factor(n: n, a: &factors.storage, pivots: &pivots) {
                throw LinearAlgebraError.singular(column: column)
            }
            isFactored = true
            return
        }
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
        if n <= Self.nativeLimit {
            NativeLU.solve(n: n, factors: factors.storage, pivots: pivots, b: &rhs)
            return
        }
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

/// Unblocked LU with partial pivoting for small matrices, storing `L`, `U` and the one-based
/// pivots exactly as LAPACK's `dgetrf` does (so `DenseLU.factors`/`pivots` mean the same either
/// way). The pivot is the first entry of largest magnitude in the column, as `idamax` picks it.
enum NativeLU {
    /// Factors the `n × n` column-major `a` in place; returns the zero-based column of the first
    /// exactly zero pivot (the factorisation is still completed, as LAPACK does), or nil.
    static func factor(n: Int, a: inout [Double], pivots: inout [Int32]) -> Int? {
        a.withUnsafeMutableBufferPointer { a in
            pivots.withUnsafeMutableBufferPointer { pivots in factor(n: n, a: a, pivots: pivots) }
        }
    }

    private static func factor(
        n: Int, a: UnsafeMutableBufferPointer<Double>, pivots: UnsafeMutableBufferPointer<Int32>
    ) -> Int? {
        var singular: Int?
        if let m = a.baseAddress {
            for k in 0..<n {
                let ck = m + k * n
                var p = k
                var big = abs(ck[k])
                var i = k + 1
                while i < n {
                    let v = abs(ck[i])
                    if v > big { big = v; p = i }
                    i += 1
                }
                pivots[k] = Int32(p + 1)
                if ck[p] == 0 {
                    if singular == nil { singular = k }
                    continue
                }
                if p != k {
                    for j in 0..<n { (m[j * n + k], m[j * n + p]) = (m[j * n + p], m[j * n + k]) }
                }
                let r = 1 / ck[k]
                i = k + 1
                while i < n { ck[i] *= r; i += 1 }
                var j = k + 1
                while j < n {
                    let cj = m + j * n
                    let f = cj[k]
                    if f != 0 {
                        i = k + 1
                        while i < n { cj[i] -= f * ck[i]; i += 1 }
                    }
                    j += 1
                }
            }
        }
        return singular
    }

    /// Solves `A x = b` with the factors `factor` left, overwriting `b`.
    static func solve(n: Int, factors: [Double], pivots: [Int32], b: inout [Double]) {
        factors.withUnsafeBufferPointer { ap in
            b.withUnsafeMutableBufferPointer { bp in
                pivots.withUnsafeBufferPointer { pivots in solve(n: n, factors: ap, pivots: pivots, b: bp) }
            }
        }
    }

    private static func solve(
        n: Int, factors: UnsafeBufferPointer<Double>, pivots: UnsafeBufferPointer<Int32>,
        b: UnsafeMutableBufferPointer<Double>
    ) {
        guard let m = factors.baseAddress, let x = b.baseAddress else { return }
        for k in 0..<n {
            let p = Int(pivots[k]) - 1
            if p != k { (x[k], x[p]) = (x[p], x[k]) }
        }
        // L (unit diagonal), column by column.
        for k in 0..<n {
            let v = x[k]
            if v != 0 {
                let ck = m + k * n
                var i = k + 1
                while i < n { x[i] -= v * ck[i]; i += 1 }
            }
        }
        // U, backwards.
        var k = n - 1
        while k >= 0 {
            let ck = m + k * n
            x[k] /= ck[k]
            let v = x[k]
            if v != 0 {
                for i in 0..<k { x[i] -= v * ck[i] }
            }
            k -= 1
        }
    }
}
