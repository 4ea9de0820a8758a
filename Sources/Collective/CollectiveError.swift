/// Why a job could not start its communication between processes.
public enum CollectiveError: Error, CustomStringConvertible, Equatable, Sendable {
    /// MPI could not be loaded or initialised; `variable` names the launcher variable that asked
    /// for it (empty when MPI was asked for directly).
    case mpiUnavailable(variable: String, reason: String)

    public var description: String {
        switch self {
        case .mpiUnavailable(let variable, let reason) where variable.isEmpty: "MPI is unavailable: \(reason)"
        case .mpiUnavailable(let variable, let reason):
            "started by an MPI launcher (\(variable) is set) but MPI is unavailable: \(reason)"
        }
    }
}
