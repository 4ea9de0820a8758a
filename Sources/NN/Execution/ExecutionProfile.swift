import Tensor

/// How a network's stages are computed: exact digital arithmetic, or through characterised
/// analog behaviour (transfer curves, noise, device models).
///
/// A profile sees every stage of the forward pass as an `Operation` (conv, linear, batch norm,
/// ReLU, residual add, pooling, flatten) and returns its result; the stages it does not model it
/// leaves to `operation.digital`. It is carried by `ForwardContext`, never by globals. Noise is
/// drawn from `context.noise`, so a resumed run draws the same numbers.
public protocol ExecutionProfile: Sendable {
    /// The profile's name, recorded in metrics and checkpoints (`digital`, `ideal`, `pcm`, …).
    var name: String { get }
    /// Computes `operation` on `inputs` (one tensor; two for `.add`).
    func apply(_ operation: Operation, to inputs: [Tensor], context: ForwardContext) -> Tensor
    /// What a checkpoint stores to recognise the profile (by default its name alone).
    var record: ProfileRecord { get }
    /// Relative σ by which each weight update is multiplied, `Δw·(1 + σ·N(0, 1))` (default 0).
    var updateNoise: Float { get }
    /// Called after each optimizer step, e.g. to keep weights inside a cell's range (default: nothing).
    func afterUpdate(_ parameters: [Parameter])
    /// Called before each optimizer step with that step's noise stream, e.g. to remember the
    /// weights so that `afterUpdate` can replace the step by a device's pulsed update (default: nothing).
    func beforeUpdate(_ parameters: [Parameter], noise: NoiseStream)
}

extension ExecutionProfile {
    public func apply(_ operation: Operation, to inputs: [Tensor], context: ForwardContext) -> Tensor {
        operation.digital(inputs, training: context.training, batchStatistics: context.batchStatistics)
    }
    public var record: ProfileRecord { ProfileRecord(name: name) }
    public var updateNoise: Float { 0 }
    public func afterUpdate(_ parameters: [Parameter]) {}
    public func beforeUpdate(_ parameters: [Parameter], noise: NoiseStream) {}
}

/// A profile with state that a checkpoint must keep (calibrated scales): stored as named arrays
/// beside the weights (`profile.…`).
public protocol StatefulProfile: ExecutionProfile {
    var stateArrays: [NamedArray] { get }
    /// Restores the state; `path` names the checkpoint in errors.
    func loadState(from arrays: [NamedArray], path: String) throws
}

/// Exact Float32 arithmetic: every stage as `Operation.digital` computes it.
public struct DigitalProfile: ExecutionProfile {
    public init() {}
    public var name: String { "digital" }
}

/// The identity of a resolved profile, as checkpoints store it: its name, the SHA-256 of every
/// lookup table it uses, and the resolved profile document (nil for the digital profile).
///
/// `--resume` compares records and refuses a run under a different profile.
public struct ProfileRecord: Codable, Sendable, Equatable {
    public var name: String
    /// Table reference (cell name or path, as the profile names it) → SHA-256 (hex) of its file.
    public var tables: [String: String]
    /// The resolved profile, as written to `RUNDIR/profile.json`.
    public var document: String?
    /// The simulated chip (mismatch draws), when the profile has one.
    public var chipSeed: UInt64?

    public init(name: String, tables: [String: String] = [:], document: String? = nil, chipSeed: UInt64? = nil) {
        self.name = name; self.tables = tables; self.document = document; self.chipSeed = chipSeed
    }

    /// The digital profile's record (what a checkpoint without one means).
    public static let digital = ProfileRecord(name: "digital")

    /// Why `other` is not the same profile as this one, or nil when it is.
    public func difference(from other: ProfileRecord) -> String? {
        if name != other.name { return "profile '\(other.name)' differs from the run's profile '\(name)'" }
        for (table, hash) in tables.sorted(by: { $0.key < $1.key }) where other.tables[table] != hash {
            return "table '\(table)' of profile '\(name)' changed (SHA-256 \(hash.prefix(12))… in the run, "
                + "\(other.tables[table].map { String($0.prefix(12)) + "…" } ?? "absent") now)"
        }
        if let extra = other.tables.keys.sorted().first(where: { tables[$0] == nil }) {
            return "profile '\(name)' now uses table '\(extra)', which the run did not"
        }
        if document != other.document { return "the settings of profile '\(name)' changed" }
        if chipSeed != other.chipSeed {
            return "chip seed \(other.chipSeed.map(String.init) ?? "none") differs from the run's \(chipSeed.map(String.init) ?? "none")"
        }
        return nil
    }
}
