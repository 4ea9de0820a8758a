/// Which `PatternSolver` a circuit analysis uses; the one place the choice is made.
///
/// `automatic` takes the dense LAPACK LU for small systems, where its simple loops beat a sparse
/// factorisation's bookkeeping, and SuiteSparse KLU from `sparseThreshold` unknowns on (measured
/// on resistor/diode ladders and an op-amp crossbar, see bench/README.md).
public enum SolverChoice: String, Sendable, CaseIterable {
    case automatic
    case dense
    case sparse

    /// Smallest dimension `automatic` solves with `SparseLU`.
    public static let sparseThreshold = 20

    /// The choice named by a deck option value: `klu`/`sparse`, `dense`/`lapack`, `auto`/`automatic`;
    /// nil for anything else.
    public init?(option: String) {
        switch option.lowercased() {
        case "klu", "sparse": self = .sparse
        case "dense", "lapack": self = .dense
        case "auto", "automatic": self = .automatic
        default: return nil
        }
    }

    /// The concrete choice for a system of `dimension` unknowns (`dense` or `sparse`).
    public func resolved(dimension: Int) -> SolverChoice {
        switch self {
        case .automatic: return dimension >= Self.sparseThreshold ? .sparse : .dense
        case .dense, .sparse: return self
        }
    }

    /// A solver of the chosen kind for the pattern.
    public func makeSolver(dimension: Int, pattern: [MatrixEntry]) throws -> any PatternSolver {
        switch resolved(dimension: dimension) {
        case .sparse: return try SparseLU(dimension: dimension, pattern: pattern)
        default: return try DenseLU(dimension: dimension, pattern: pattern)
        }
    }
}
