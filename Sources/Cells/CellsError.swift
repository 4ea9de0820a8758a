/// Everything that can go wrong when choosing or building a generated cell; `description` is one line.
public enum CellsError: Error, CustomStringConvertible, Sendable, Equatable {
    /// No generator of that name.
    case unknownCell(name: String, available: [String])
    /// A `--param` the generator does not have, or a malformed one.
    case badParameter(cell: String, parameter: String, reason: String)

    public var description: String {
        switch self {
        case .unknownCell(let name, let available):
            "unknown generated cell '\(name)' (generated cells: \(available.joined(separator: ", ")))"
        case .badParameter(let cell, let parameter, let reason): "\(cell): parameter '\(parameter)': \(reason)"
        }
    }
}
