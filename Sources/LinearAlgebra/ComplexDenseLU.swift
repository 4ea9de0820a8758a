import CLAPACK

/// A double-precision complex number `re + i·im` (the layout LAPACK's `complex*16` uses).
public struct ComplexDouble: Sendable, Equatable {
    public var re: Double
    public var im: Double

    public init(_ re: Double, _ im: Double = 0) {
        self.re = re
        self.im = im
    }

    /// Magnitude `√(re² + im²)`.
    public var magnitude: Double { (re * re + im * im).squareRoot() }
}

/// LU factorisation with partial pivoting of a dense complex square matrix, `P A = L U`, via LAPACK
/// `zgetrf` (factor) and `zgetrs` (solve), as the AC analysis needs for `(G + jωC)·x = b`.
///
/// The matrix is column-major: entry `(r, c)` is `storage[r + c·n]`.
public struct ComplexDenseLU: Sendable {
    public let dimension: Int
    /// Interleaved (re, im) column-major storage, `2·n²` doubles; edit it through `add` or `zero`.
    private var storage: [Double]
    private var pivots: [Int32]
    public private(set) var isFactored = false

    public init(dimension: Int) {
        self.dimension = dimension
        storage = Array(repeating: 0, count: 2 * dimension * dimension)
        pivots = Array(repeating: 0, count: dimension)
    }

    /// Sets every entry to zero (and forgets the factorisation).
    public mutating func zero() {
        for k in storage.indices { storage[k] = 0 }
        isFactored = false
    }

    /// Adds `re + i·im` to entry `(row, column)`.
    public mutating func add(_ row: Int, _ column: Int, re: Double, im: Double) {
        let k = 2 * (row + column * dimension)
        storage[k] += re
        storage[k + 1] += im
        isFactored = false
    }

    /// Factors in place; throws `LinearAlgebraError.singular` with the zero pivot's column.
    public mutating func factor() throws {
        isFactored = false
        let n = dimension
        if n == 0 { isFactored = true; return }
        var m = Int32(n), nn = Int32(n), lda = Int32(n), info: Int32 = 0
        storage.withUnsafeMutableBytes { raw in
            let a = raw.baseAddress?.assumingMemoryBound(to: lapack_complex_double_t.self)
            pivots.withUnsafeMutableBufferPointer { p in
                zgetrf_(&m, &nn, a, &lda, p.baseAddress, &info)
            }
        }
        if info < 0 { throw LinearAlgebraError.lapack(routine: "zgetrf", info: Int(info)) }
        if info > 0 { throw LinearAlgebraError.singular(column: Int(info) - 1) }
        isFactored = true
    }

    /// Solves `A x = rhs` with the factorisation, overwriting `rhs`.
    public func solve(_ rhs: inout [ComplexDouble]) throws {
        guard isFactored else { throw LinearAlgebraError.notFactored }
        guard rhs.count == dimension else {
            throw LinearAlgebraError.dimensionMismatch(expected: dimension, actual: rhs.count)
        }
        if dimension == 0 { return }
        var b = [Double](repeating: 0, count: 2 * dimension)
        for (k, z) in rhs.enumerated() { b[2 * k] = z.re; b[2 * k + 1] = z.im }
        var trans = CChar(UInt8(ascii: "N")), n = Int32(dimension), nrhs: Int32 = 1, lda = Int32(dimension)
        var ldb = Int32(dimension), info: Int32 = 0
        storage.withUnsafeBytes { araw in
            b.withUnsafeMutableBytes { braw in
                pivots.withUnsafeBufferPointer { p in
                    zgetrs_(&trans, &n, &nrhs, araw.baseAddress?.assumingMemoryBound(to: lapack_complex_double_t.self),
                            &lda, p.baseAddress, braw.baseAddress?.assumingMemoryBound(to: lapack_complex_double_t.self),
                            &ldb, &info)
                }
            }
        }
        if info < 0 { throw LinearAlgebraError.lapack(routine: "zgetrs", info: Int(info)) }
        for k in 0..<dimension { rhs[k] = ComplexDouble(b[2 * k], b[2 * k + 1]) }
    }
}
