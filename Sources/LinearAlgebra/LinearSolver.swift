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
