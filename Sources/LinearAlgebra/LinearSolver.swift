/// A solver for the square linear systems `A x = b` that circuit analyses produce.
///
/// Implementations factor once (`factor`) and solve many right-hand sides (`solve`), so an
/// analysis can reuse a factorisation while the matrix is unchanged.
public protocol LinearSolver {
    associatedtype Scalar
    /// Factors the matrix; throws `LinearAlgebraError.singular` naming the zero pivot's column.
    mutating func factor() throws
    /// Solves with the last factorisation, overwriting `rhs` with the solution.
    func solve(_ rhs: inout [Scalar]) throws
}

/// One structurally non-zero position of a square matrix (zero-based row and column).
public struct MatrixEntry: Hashable, Sendable {
    public var row: Int
    public var column: Int

    public init(row: Int, column: Int) {
        self.row = row
        self.column = column
    }
}

/// A real solver built on a fixed non-zero pattern, the form a circuit simulator needs.
///
/// The pattern is declared once (`init(dimension:pattern:)`); afterwards the caller only hands over
/// one value per pattern entry (`load(values:)`), factors and solves. A dense LU scatters the values
/// into a full matrix; a sparse solver (KLU) keeps them in compressed-column form. Entries that
/// repeat in the pattern are summed.
public protocol PatternSolver: LinearSolver, Sendable where Scalar == Double {
    /// Creates a solver for a `dimension × dimension` matrix with the given non-zero pattern.
    init(dimension: Int, pattern: [MatrixEntry]) throws
    /// Replaces the matrix values; `values[k]` belongs to `pattern[k]`.
    mutating func load(values: [Double]) throws
}

/// Errors of the linear algebra layer.
public enum LinearAlgebraError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The factorisation met an exactly zero pivot in this zero-based column.
    case singular(column: Int)
    /// Operands whose sizes do not agree.
    case dimensionMismatch(expected: Int, actual: Int)
    /// A pattern entry outside the matrix.
    case entryOutOfRange(row: Int, column: Int, dimension: Int)
    /// `solve` was called before a successful `factor`.
    case notFactored
    /// LAPACK reported an illegal argument (negative `info`).
    case lapack(routine: String, info: Int)
    /// SuiteSparse KLU failed for a reason other than a zero pivot (out of memory, invalid input).
    case klu(routine: String, status: Int)

    public var description: String {
        switch self {
        case .singular(let column): return "singular matrix (zero pivot in column \(column))"
        case .dimensionMismatch(let expected, let actual): return "dimension mismatch: expected \(expected), got \(actual)"
        case .entryOutOfRange(let row, let column, let dimension):
            return "matrix entry (\(row), \(column)) outside a \(dimension)×\(dimension) matrix"
        case .notFactored: return "solve called before a successful factorisation"
        case .lapack(let routine, let info): return "\(routine) failed (info = \(info))"
        case .klu(let routine, let status): return "\(routine) failed (status = \(status))"
        }
    }
}
