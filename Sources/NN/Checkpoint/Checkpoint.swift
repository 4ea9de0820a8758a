import Foundation

/// A named array of `Float`s with its shape, as stored in a checkpoint.
public struct NamedArray: Sendable, Equatable {
    public var name: String
    public var shape: [Int]
    public var values: [Float]
    public init(name: String, shape: [Int], values: [Float]) {
        self.name = name; self.shape = shape; self.values = values
    }
}

/// The JSON header of a checkpoint: everything except the float data.
public struct CheckpointHeader: Codable, Sendable, Equatable {
    /// Describes one stored array: its name, shape and position (in floats) in the blob section.
    public struct Entry: Codable, Sendable, Equatable {
        public var name: String
        public var shape: [Int]
        public var offset: Int
        public var count: Int
    }
    /// Model architecture, enough to rebuild the network.
    public var model: ModelSpec
    /// The execution profile the run trains under (nil: digital, and every version-1 checkpoint).
    public var profile: ProfileRecord?
    /// Completed epochs (the epoch to continue with) and the batch index within it.
    public var epoch: Int
    public var batchInEpoch: Int
    /// Optimizer steps taken so far.
    public var step: Int
    /// Optimizer hyper-parameters.
    public var optimizer: SGDConfig
    /// Training options needed to continue the run identically (nil for a bare model).
    public var training: TrainingOptions?
    /// Input normalisation of a bare model (`kelvin import --mean/--std`); a run's is in `training`.
    public var normalization: Normalization?
    /// Progress of a partially completed epoch (sums needed to finish its metrics exactly).
    public var progress: EpochProgress
    /// State of the training random stream.
    public var rngState: UInt64
    /// Free-form extra information.
    public var metadata: [String: String]
    /// The stored arrays (filled in by the writer).
    public var entries: [Entry]

    public init(
        model: ModelSpec, profile: ProfileRecord? = nil, epoch: Int = 0, batchInEpoch: Int = 0, step: Int = 0,
        optimizer: SGDConfig = SGDConfig(), training: TrainingOptions? = nil, progress: EpochProgress = EpochProgress(),
        rngState: UInt64 = 0, metadata: [String: String] = [:]
    ) {
        self.model = model; self.profile = profile; self.epoch = epoch; self.batchInEpoch = batchInEpoch; self.step = step
        self.optimizer = optimizer; self.training = training; self.progress = progress; self.rngState = rngState
        self.metadata = metadata; self.entries = []
    }
}

extension CheckpointHeader {
    /// Per-channel input normalisation `(x − mean) / std` the weights expect.
    public struct Normalization: Codable, Sendable, Equatable {
        public var mean: [Float]
        public var std: [Float]
        public init(mean: [Float], std: [Float]) { self.mean = mean; self.std = std }

        /// Checks one finite mean and one positive finite std per input channel of `model` (any count
        /// for a network without a fixed channel count, such as an MLP).
        public func validate(for model: ModelSpec) throws {
            guard !mean.isEmpty, mean.count == std.count else {
                throw NNError.invalidArgument("normalisation needs as many means as stds, got \(mean.count) and \(std.count)")
            }
            guard mean.allSatisfy(\.isFinite), std.allSatisfy({ $0.isFinite && $0 > 0 }) else {
                throw NNError.invalidArgument("normalisation needs finite means and positive finite stds, got mean \(mean), std \(std)")
            }
            if let channels = model.inputChannels, channels != mean.count {
                throw NNError.invalidArgument("the model takes \(channels) input channels but the normalisation has \(mean.count) values")
            }
        }
    }

    /// The input normalisation of the run (training options) or, for a bare checkpoint, the stored one.
    public var inputNormalization: Normalization? {
        if let t = training, !t.normalizationMean.isEmpty { return Normalization(mean: t.normalizationMean, std: t.normalizationStd) }
        return normalization
    }
}

/// A versioned binary checkpoint.
///
/// Layout (little-endian):
/// ```
/// "KELVINCK"            8 bytes magic
/// version               UInt32 (currently 2; version 1 is read too)
/// header length H       UInt64
/// header                H bytes of UTF-8 JSON (CheckpointHeader)
/// data                  Σ count × 4 bytes: Float32 arrays in header order
/// checksum              UInt32 CRC-32 of every preceding byte
/// ```
/// Files are written atomically: to a temporary file in the same directory, then renamed.
///
/// Version 2 stores the model as a layer graph (`ModelSpec`) and the execution profile
/// (`ProfileRecord`); version 1 stored a `ResNetConfig` and no profile, and reads as `.resnet`
/// under the digital profile.
public struct Checkpoint: Sendable, Equatable {
    public static let magic: [UInt8] = Array("KELVINCK".utf8)
    public static let version: UInt32 = 2
    /// The versions this build reads.
    public static let readableVersions: ClosedRange<UInt32> = 1...2

    public var header: CheckpointHeader
    public var arrays: [NamedArray]

    public init(header: CheckpointHeader, arrays: [NamedArray]) {
        self.header = header; self.arrays = arrays
    }

    /// The array called `name`, if stored.
    public func array(_ name: String) -> NamedArray? { arrays.first { $0.name == name } }

    /// Serialises the checkpoint to bytes.
    public func encoded() throws -> [UInt8] {
        var h = header
        h.entries = []
        var offset = 0
        for a in arrays {
            guard a.shape.reduce(1, *) == a.values.count else {
                throw NNError.invalidArgument("array '\(a.name)' has \(a.values.count) values for shape \(a.shape)")
            }
            h.entries.append(.init(name: a.name, shape: a.shape, offset: offset, count: a.values.count))
            offset += a.values.count
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = [UInt8](try encoder.encode(h))
        var out = [UInt8]()
        out.reserveCapacity(8 + 4 + 8 + json.count + offset * 4 + 4)
        out += Self.magic
        appendLE(&out, UInt64(Self.version), bytes: 4)
        appendLE(&out, UInt64(json.count), bytes: 8)
        out += json
        for a in arrays {
            a.values.withUnsafeBytes { raw in
                // Float32 stored little-endian; every supported host is little-endian.
                out.append(contentsOf: raw)
            }
        }
        let crc = out.withUnsafeBytes { crc32Checksum($0) }
        appendLE(&out, UInt64(crc), bytes: 4)
        return out
    }

    /// Writes the checkpoint atomically (temporary file + rename).
    public func write(to path: String) throws {
        let bytes = try encoded()
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        let tmp = dir + "/.\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)"
        guard FileManager.default.createFile(atPath: tmp, contents: Data(bytes)) else {
            throw NNError.writeFailed(path: path, reason: "cannot create temporary file \(tmp)")
        }
        guard rename(tmp, path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: tmp)
            throw NNError.writeFailed(path: path, reason: reason)
        }
    }

    /// Reads and verifies a checkpoint; corrupt, truncated or unknown-version files throw with the path and reason.
    public init(path: String) throws {
        try self.init(bytes: try FileBytes.raw(path), path: path)
    }

    /// Decodes checkpoint bytes; `path` is used in error messages.
    public init(bytes: [UInt8], path: String) throws {
        func fail(_ reason: String) -> NNError { .corruptFile(path: path, reason: reason) }
        guard bytes.count >= 24 else { throw fail("truncated (only \(bytes.count) bytes)") }
        guard Array(bytes[0..<8]) == Self.magic else { throw fail("not a Kelvin checkpoint (bad magic)") }
        let version = UInt32(readLE(bytes, 8, 4))
        guard Self.readableVersions.contains(version) else {
            throw NNError.mismatch(path: path, reason:
                "unsupported checkpoint version \(version) (this build reads \(Self.readableVersions.lowerBound)–\(Self.readableVersions.upperBound))")
        }
        let headerLength = Int(clamping: readLE(bytes, 12, 8))
        guard headerLength <= bytes.count - 24 else { throw fail("truncated header (needs \(headerLength) bytes)") }
        let stored = UInt32(readLE(bytes, bytes.count - 4, 4))
        let actual = bytes.withUnsafeBytes { crc32Checksum(UnsafeRawBufferPointer(rebasing: $0[0..<(bytes.count - 4)])) }
        let headerBytes = Data(bytes[20..<(20 + headerLength)])
        let h: CheckpointHeader
        do { h = try JSONDecoder().decode(CheckpointHeader.self, from: headerBytes) } catch {
            throw fail(stored == actual ? "invalid JSON header: \(error)" : "checksum mismatch (file damaged or truncated)")
        }
        // Sizes come from the file: checked arithmetic, so a huge count is an error, not a trap.
        var total = 0
        for e in h.entries {
            let (sum, overflow) = total.addingReportingOverflow(e.count)
            guard e.count >= 0, e.count <= bytes.count / 4, !overflow else {
                throw fail("bad entry for array '\(e.name)': \(e.count) values")
            }
            total = sum
        }
        guard total <= bytes.count / 4 else { throw fail("truncated: the entries announce \(total) values") }
        let expected = 20 + headerLength + total * 4 + 4
        guard bytes.count == expected else {
            throw fail(bytes.count < expected
                ? "truncated: \(bytes.count) bytes, expected \(expected)" : "\(bytes.count - expected) unexpected trailing bytes")
        }
        guard stored == actual else {
            throw fail(String(format: "checksum mismatch (stored %08x, computed %08x)", stored, actual))
        }
        let dataStart = 20 + headerLength
        var arrays = [NamedArray]()
        for e in h.entries {
            var elements = 1
            for d in e.shape {
                let (product, overflow) = elements.multipliedReportingOverflow(by: d)
                guard d >= 0, !overflow else { throw fail("bad shape \(e.shape) for array '\(e.name)'") }
                elements = product
            }
            guard e.offset >= 0, e.offset <= total - e.count, elements == e.count else {
                throw fail("bad entry for array '\(e.name)'")
            }
            var values = [Float](repeating: 0, count: e.count)
            let start = dataStart + e.offset * 4
            values.withUnsafeMutableBytes { dst in
                bytes.withUnsafeBytes { src in
                    dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[start..<(start + e.count * 4)]))
                }
            }
            arrays.append(NamedArray(name: e.name, shape: e.shape, values: values))
        }
        // A normalisation that does not fit the model would index past its channels later.
        if let normalization = h.inputNormalization {
            do { try normalization.validate(for: h.model) } catch { throw fail("\(error)") }
        }
        header = h
        self.arrays = arrays
    }
}

private func appendLE(_ out: inout [UInt8], _ value: UInt64, bytes: Int) {
    for i in 0..<bytes { out.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(i)))) }
}

private func readLE(_ bytes: [UInt8], _ offset: Int, _ count: Int) -> UInt64 {
    var v: UInt64 = 0
    for i in 0..<count { v |= UInt64(bytes[offset + i]) << (8 * UInt64(i)) }
    return v
}
