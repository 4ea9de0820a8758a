/// Errors the Tensor module throws for data it is given (shape errors in op calls are programming
/// errors and stay preconditions).
public enum TensorError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A look-up table that cannot be interpolated.
    case invalidTable(String)

    public var description: String {
        switch self {
        case .invalidTable(let reason): "invalid look-up table: \(reason)"
        }
    }
}
