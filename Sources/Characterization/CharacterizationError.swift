/// Everything that can go wrong while characterising a cell; `description` is one line.
public enum CharacterizationError: Error, CustomStringConvertible, Sendable, Equatable {
    /// No `netlists/NAME.cir` for a cell name.
    case unknownCell(name: String, searched: String, available: [String])
    /// A netlist file cannot be read.
    case unreadable(path: String)
    /// The netlist declares no `* characterize:` line and none was given on the command line.
    case missingSpec(path: String)
    /// A malformed `* characterize:` line, `--input` or `--output` value.
    case badSpec(origin: String, reason: String)
    /// A malformed `--tolerance` list.
    case badTolerance(text: String, reason: String)
    /// The requested output is not among the simulator's outputs.
    case unknownOutput(name: String, available: [String])
    /// The simulation of the nominal circuit failed.
    case simulationFailed(cell: String, reason: String)
    /// Every Monte Carlo instance failed to converge.
    case allInstancesFailed(count: Int, firstReason: String)

    public var description: String {
        switch self {
        case .unknownCell(let name, let searched, let available):
            "unknown cell '\(name)': no \(searched)" + (available.isEmpty ? "" : " (cells: \(available.joined(separator: ", ")))")
        case .unreadable(let path): "\(path): cannot read the netlist"
        case .missingSpec(let path):
            "\(path): no '* characterize: input=SRC lo:hi:n output=NODE' header line; give --input and --output"
        case .badSpec(let origin, let reason): "\(origin): \(reason)"
        case .badTolerance(let text, let reason): "bad tolerance '\(text)': \(reason)"
        case .unknownOutput(let name, let available):
            "output '\(name)' is not a circuit output (have: \(available.joined(separator: ", ")))"
        case .simulationFailed(let cell, let reason): "simulating \(cell) failed: \(reason)"
        case .allInstancesFailed(let count, let first): "all \(count) Monte Carlo instances failed; first: \(first)"
        }
    }
}
