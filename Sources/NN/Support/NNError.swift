/// Errors raised by the NN module; every case carries enough context for a one-line message.
public enum NNError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A file could not be found or opened.
    case fileNotFound(path: String)
    /// A file exists but its content is malformed.
    case corruptFile(path: String, reason: String)
    /// A checkpoint (or other file) does not fit what the caller expects.
    case mismatch(path: String, reason: String)
    /// A state dict does not fit the model: names it lacks, names the model does not have, and
    /// names whose shapes differ (all listed, so one run shows every difference).
    case stateMismatch(path: String, missing: [String], unexpected: [String], misshaped: [ShapeMismatch])
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
        case .stateMismatch(let path, let missing, let unexpected, let misshaped):
            var lines = ["\(path): tensors do not fit the model"]
            if !missing.isEmpty { lines.append("  missing (\(missing.count)): " + missing.joined(separator: ", ")) }
            if !unexpected.isEmpty { lines.append("  unexpected (\(unexpected.count)): " + unexpected.joined(separator: ", ")) }
            if !misshaped.isEmpty {
                lines.append("  mis-shaped (\(misshaped.count)):")
                lines += misshaped.map { "    \($0.name): \($0.found) in the file, \($0.expected) in the model" }
            }
            return lines.joined(separator: "\n")
        case .writeFailed(let path, let reason): return "\(path): cannot write: \(reason)"
        case .invalidArgument(let message): return message
        case .datasetNotFound(let name, let searched):
            return "data set '\(name)' not found (looked in \(searched.joined(separator: ", ")))"
        case .nonFiniteLoss(let step, let value): return "loss became \(value) at step \(step); stopped"
        }
    }
}

extension NNError {
    /// A named tensor whose shape in a file differs from the model's.
    public struct ShapeMismatch: Sendable, Equatable {
        public var name: String
        /// The model's shape.
        public var expected: [Int]
        /// The file's shape.
        public var found: [Int]
        public init(name: String, expected: [Int], found: [Int]) { self.name = name; self.expected = expected; self.found = found }
    }
}
