/// Everything that can go wrong while lowering a network to circuits; `description` is one line
/// naming the layer (index and state name) or the file concerned.
public enum CompilerError: Error, CustomStringConvertible, Sendable, Equatable {
    /// A layer the compiler has no lowering rule for.
    case unsupportedLayer(index: String, type: String, reason: String)
    /// The checkpoint's arrays do not fit its model spec.
    case checkpointMismatch(path: String, reason: String)
    /// A weight (after batch-norm folding and scaling) outside what the multiply cell can hold.
    case weightOutOfRange(layer: String, value: Double, volts: Double, limit: Double, cell: String)
    /// Inputs mapped far beyond the cell's input range (scales of another cell flavour).
    case inputOutOfRange(layer: String, volts: Double, limit: Double, cell: String)
    /// A column output beyond the op-amps' linear range.
    case outputOutOfRange(layer: String, volts: Double, limit: Double)
    /// A tiled module's partial sums beyond what the tile gains can bring into the linear range:
    /// `volts` the largest partial sum at the output's column gain, `output` the largest output,
    /// `gain` the partial-sum summer gain that would be needed.
    case partialSumOutOfRange(layer: String, tiles: Int, volts: Double, output: Double, gain: Double, limit: Double)
    /// A cell library file the compiled netlists need is missing.
    case missingCell(name: String, path: String)
    /// A bad option value.
    case invalidOption(String)
    /// A file could not be written (the output folder is left untouched).
    case writeFailed(path: String, reason: String)
    /// One model of a multi-model compile failed (`m1`, its checkpoint, what went wrong).
    case model(name: String, path: String, reason: String)

    public var description: String {
        switch self {
        case .unsupportedLayer(let index, let type, let reason): "layer \(index) (\(type)): not supported by the compiler: \(reason)"
        case .checkpointMismatch(let path, let reason): "\(path): checkpoint does not match its model: \(reason)"
        case .weightOutOfRange(let layer, let value, let volts, let limit, let cell):
            "layer \(layer): weight \(fmt(value)) maps to a differential \(fmt(volts)) V, outside what the \(cell) cell pair can hold "
                + "(|w⁺ − w⁻| ≤ \(fmt(limit)) V); recalibrate the scales or retrain under the cell's profile"
        case .inputOutOfRange(let layer, let volts, let limit, let cell):
            "layer \(layer): inputs reach \(fmt(volts)) V, far beyond the \(cell) cell's ±\(fmt(limit)) V input range "
                + "(scales calibrated for another cell? use --recalibrate or a profile of the same flavour)"
        case .outputOutOfRange(let layer, let volts, let limit):
            "layer \(layer): column outputs reach \(fmt(volts)) V, beyond the op-amps' ±\(fmt(limit)) V (the stored summer gain β is too large)"
        case .partialSumOutOfRange(let layer, let tiles, let volts, let output, let gain, let limit):
            "layer \(layer): partial sums of \(tiles) tiles reach ±\(fmt(volts)) V at the column gain of outputs reaching ±\(fmt(output)) V "
                + "(tiles of opposite sign cancel): keeping them within the op-amps' linear range needs a partial-sum summer gain of "
                + "\(fmt(gain)), beyond \(fmt(limit)); give more rows per tile (--rows) or retrain"
        case .missingCell(let name, let path): "missing cell '\(name)': \(path) not found (give the cells directory with --cells)"
        case .invalidOption(let message): message
        case .writeFailed(let path, let reason): "\(path): cannot write: \(reason)"
        case .model(let name, let path, let reason): "model \(name) (\(path)): \(reason)"
        }
    }
}

/// `%.4g`.
func fmt(_ v: Double) -> String { String(format: "%.4g", v) }
