/// Everything that can go wrong reading, writing or building a lookup table.
///
/// File errors carry the path and a reason; `description` is one line, `PATH: error: REASON`.
public enum TransferCurvesError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file cannot be read or written.
    case io(path: String, reason: String)
    /// The file is not a Kelvin lookup table (wrong magic bytes).
    case notALookupTable(path: String)
    /// The file ends before the structure it announces.
    case truncated(path: String, reason: String)
    /// The checksum, header or data block is inconsistent.
    case corrupt(path: String, reason: String)
    /// The file was written in a format version this reader does not know (`supported`: the newest it reads).
    case unsupportedVersion(path: String, found: UInt32, supported: UInt32)
    /// A table, grid or fit request is malformed (lengths, ordering, non-finite values).
    case invalidTable(reason: String)

    public var description: String {
        switch self {
        case .io(let path, let reason): "\(path): error: \(reason)"
        case .notALookupTable(let path): "\(path): error: not a Kelvin lookup table (bad magic bytes)"
        case .truncated(let path, let reason): "\(path): error: truncated file: \(reason)"
        case .corrupt(let path, let reason): "\(path): error: corrupt file: \(reason)"
        case .unsupportedVersion(let path, let found, let supported):
            "\(path): error: unsupported format version \(found) (this Kelvin reads versions 1…\(supported))"
        case .invalidTable(let reason): "error: invalid table: \(reason)"
        }
    }
}
