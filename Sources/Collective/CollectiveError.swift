/// Why a job could not start its communication between processes.
public enum CollectiveError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The process was started by an MPI launcher (`variable` is set) but MPI could not be used.
    case mpiUnavailable(variable: String, reason: String)
    /// A quantity that must split evenly over the processes does not.
    case uneven(what: String, total: Int, processes: Int)

    public var description: String {
        switch self {
        case .mpiUnavailable(let variable, let reason):
            "started by an MPI launcher (\(variable) is set) but MPI is unavailable: \(reason)"
        case .uneven(let what, let total, let processes):
            "\(what) \(total) does not split evenly over \(processes) MPI ranks; choose a multiple of \(processes)"
        }
    }
}
