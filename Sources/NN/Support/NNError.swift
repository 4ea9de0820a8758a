/// Errors raised by the NN module; every case carries enough context for a one-line message.
public enum NNError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A file could not be found or opened.
    case fileNotFound(path: String)
    /// A file exists but its content is malformed.
    case corruptFile(path: String, reason: String)
    /// A checkpoint (or other file) does not fit what the caller expects.
    case mismatch(path: String, reason: String)
    /// A file could not be written.
    case writeFailed(path: String, reason: String)
    /// An argument or configuration is invalid.
    case invalidArgument(String)
    /// A data set could not be located.
    case datasetNotFound(name: String, searched: [String])
    /// The training loss stopped being finite.
    case nonFiniteLoss(step: Int, value: Float)

    public var description: String {
        switch self {
        case .fileNotFound(let path): return "\(path): no such file"
        case .corruptFile(let path, let reason): return "\(path): corrupt file: \(reason)"
        case .mismatch(let path, let reason): return "\(path): \(reason)"
        case .writeFailed(let path, let reason): return "\(path): cannot write: \(reason)"
        case .invalidArgument(let message): return message
        case .datasetNotFound(let name, let searched):
            return "data set '\(name)' not found (looked in \(searched.joined(separator: ", ")))"
        case .nonFiniteLoss(let step, let value): return "loss became \(value) at step \(step); stopped"
        }
    }
}
