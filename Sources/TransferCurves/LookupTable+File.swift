import Foundation

/// The `.lut` file: a small JSON header and the numbers as raw little-endian Float64, checksummed.
///
/// ```
/// offset      size   content
/// 0           8      magic "KELVLUT\n"
/// 8           4      format version, UInt32 little-endian (writes 2; reads 1 and 2)
/// 12          4      header length H, UInt32 little-endian
/// 16          H      header, UTF-8 JSON (provenance, axes, units, blob references)
/// 16+H        8      payload length P in Float64 values, UInt64 little-endian
/// 24+H        8·P    payload: IEEE-754 binary64, little-endian
/// 24+H+8P     32     SHA-256 of every preceding byte
/// ```
/// Every array of numbers lives in the payload and is referenced from the header as
/// `{"offset": o, "count": n}` (in Float64 units), so round trips are bit-exact. See Docs/lut-format.md.
extension LookupTable {
    static let magic: [UInt8] = Array("KELVLUT\n".utf8)

    /// The encoded file bytes.
    public func encoded() throws -> [UInt8] {
        var blob = BlobWriter()
        let header = FileHeader(
            provenance: provenance,
            axes: axes.map { FileHeader.AxisEntry(name: $0.name, unit: $0.unit, values: blob.append($0.values)) },
            output: output,
            values: blob.append(values),
            monteCarlo: monteCarlo.map { mc in
                FileHeader.MonteCarloEntry(
                    instances: mc.instances, failedInstances: mc.failedInstances, seed: String(mc.seed),
                    tolerances: mc.tolerances, mean: blob.append(mc.mean), standardDeviation: blob.append(mc.standardDeviation),
                    gain: blob.append(mc.gain), offset: blob.append(mc.offset), residual: blob.append(mc.residual),
                    fitRange: mc.fitRange.map { blob.append([$0.lowerBound, $0.upperBound]) },
                    contributions: mc.contributions.isEmpty ? nil : mc.contributions)
            },
            dynamics: dynamics,
            separableFit: separableFit.map { fit in
                FileHeader.FitEntry(
                    rank: fit.rank, target: blob.append([fit.target]), relativeResidual: blob.append([fit.relativeResidual]),
                    maxAbsoluteError: blob.append([fit.maxAbsoluteError]), singularValues: blob.append(fit.singularValues),
                    g: blob.append(fit.g.flatMap { $0 }), h: blob.append(fit.h.flatMap { $0 }))
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let json: Data
        do { json = try encoder.encode(header) } catch {
            throw TransferCurvesError.invalidTable(reason: "cannot encode header: \(error)")
        }
        var bytes = Self.magic
        bytes.appendLittleEndian(Self.formatVersion)
        bytes.appendLittleEndian(UInt32(json.count))
        bytes.append(contentsOf: json)
        bytes.appendLittleEndian(UInt64(blob.values.count))
        bytes.reserveCapacity(bytes.count + 8 * blob.values.count + 32)
        for v in blob.values { bytes.appendLittleEndian(v.bitPattern) }
        bytes.append(contentsOf: SHA256.digest(bytes))
        return bytes
    }

    /// Writes the table to `path` (atomically).
    public func write(to path: String) throws {
        let bytes = try encoded()
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw TransferCurvesError.io(path: path, reason: "cannot write: \(error.localizedDescription)")
        }
    }

    /// Reads a table from `path`; throws `TransferCurvesError` naming the path and the reason.
    public static func read(from path: String) throws -> LookupTable {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw TransferCurvesError.io(path: path, reason: "cannot read: \(error.localizedDescription)")
        }
        return try decode(Array(data), path: path)
    }

    /// The format version a table file announces (bytes 8–11), or nil when it is not a table.
    public static func fileVersion(_ bytes: [UInt8]) -> UInt32? {
        guard bytes.count >= magic.count + 4, Array(bytes[0..<magic.count]) == magic else { return nil }
        var reader = ByteReader(bytes: bytes)
        reader.position = magic.count
        return reader.uint32()
    }

    /// Decodes file bytes; `path` is used in error messages only. Reads versions 1 and 2
    /// (`readableVersions`); a v1 `dynamics` section is upgraded by `DynamicsV1.upgraded`.
    public static func decode(_ bytes: [UInt8], path: String) throws -> LookupTable {
        var reader = ByteReader(bytes: bytes)
        guard bytes.count >= magic.count else {
            throw TransferCurvesError.truncated(path: path, reason: "\(bytes.count) bytes, shorter than the magic")
        }
        guard Array(bytes[0..<magic.count]) == magic else { throw TransferCurvesError.notALookupTable(path: path) }
        reader.position = magic.count
        guard let version = reader.uint32() else {
            throw TransferCurvesError.truncated(path: path, reason: "ends inside the format version")
        }
        guard readableVersions.contains(version) else {
            throw TransferCurvesError.unsupportedVersion(path: path, found: version, supported: formatVersion)
        }
        guard let headerLength = reader.uint32() else {
            throw TransferCurvesError.truncated(path: path, reason: "ends inside the header length")
        }
        guard let json = reader.bytes(Int(headerLength)) else {
            throw TransferCurvesError.truncated(
                path: path, reason: "header announces \(headerLength) bytes, \(bytes.count - reader.position) left")
        }
        guard let count = reader.uint64() else {
            throw TransferCurvesError.truncated(path: path, reason: "ends inside the payload length")
        }
        let available = UInt64(bytes.count - reader.position)
        guard count <= available / 8, available - count * 8 >= 32 else {
            throw TransferCurvesError.truncated(
                path: path, reason: "payload announces \(count) values (\(count &* 8) bytes) + 32-byte checksum, "
                    + "\(available) bytes left")
        }
        let payloadStart = reader.position
        let payloadEnd = payloadStart + Int(count) * 8
        guard available - count * 8 == 32 else {
            throw TransferCurvesError.corrupt(path: path, reason: "\(available - count * 8 - 32) unexpected bytes after the checksum")
        }
        let stored = Array(bytes[payloadEnd...])
        guard SHA256.digest(bytes[..<payloadEnd]) == stored else {
            throw TransferCurvesError.corrupt(path: path, reason: "checksum mismatch (the file was modified or damaged)")
        }
        var payload = [Double](repeating: 0, count: Int(count))
        for k in 0..<Int(count) {
            var bits: UInt64 = 0
            for b in 0..<8 { bits |= UInt64(bytes[payloadStart + 8 * k + b]) << UInt64(8 * b) }
            payload[k] = Double(bitPattern: bits)
        }
        let header: FileHeader
        do {
            header = try JSONDecoder().decode(FileHeader.self, from: Data(json))
        } catch {
            throw TransferCurvesError.corrupt(path: path, reason: "bad header: \(error)")
        }
        var dynamics = header.dynamics
        if version == 1 {
            // v1 stored the energy over t_d…tstop under `energyPerOperation`: keep it as the legacy value.
            do {
                dynamics = try JSONDecoder().decode(V1Dynamics.self, from: Data(json)).dynamics?.upgraded
            } catch {
                throw TransferCurvesError.corrupt(path: path, reason: "bad v1 dynamics: \(error)")
            }
        }
        let blob = BlobReader(values: payload, path: path)
        do {
            let axes = try header.axes.map { Axis(name: $0.name, unit: $0.unit, values: try blob[$0.values]) }
            let mc = try header.monteCarlo.map { m in
                guard let seed = UInt64(m.seed) else {
                    throw TransferCurvesError.corrupt(path: path, reason: "bad Monte Carlo seed '\(m.seed)'")
                }
                var statistics = MonteCarloStatistics(
                    instances: m.instances, failedInstances: m.failedInstances, seed: seed, tolerances: m.tolerances,
                    mean: try blob[m.mean], standardDeviation: try blob[m.standardDeviation], gain: try blob[m.gain],
                    offset: try blob[m.offset], residual: try blob[m.residual], fitRange: try m.fitRange.map { ref in
                        let r = try blob[ref]
                        guard r.count == 2, r[0] <= r[1] else {
                            throw TransferCurvesError.corrupt(path: path, reason: "bad Monte Carlo fit range")
                        }
                        return r[0]...r[1]
                    })
                statistics.contributions = m.contributions ?? [:]
                return statistics
            }
            let fit = try header.separableFit.map { f -> SeparableFit in
                guard axes.count == 2, f.rank >= 0 else {
                    throw TransferCurvesError.corrupt(path: path, reason: "separable fit on a table without 2 axes")
                }
                let g = try blob[f.g], h = try blob[f.h]
                let nx = axes[0].values.count, nw = axes[1].values.count
                guard g.count == f.rank * nx, h.count == f.rank * nw else {
                    throw TransferCurvesError.corrupt(path: path, reason: "separable fit factors do not match rank and grid")
                }
                return SeparableFit(
                    x: axes[0].values, w: axes[1].values,
                    g: (0..<f.rank).map { Array(g[($0 * nx)..<(($0 + 1) * nx)]) },
                    h: (0..<f.rank).map { Array(h[($0 * nw)..<(($0 + 1) * nw)]) },
                    singularValues: try blob[f.singularValues], target: try blob.scalar(f.target),
                    relativeResidual: try blob.scalar(f.relativeResidual), maxAbsoluteError: try blob.scalar(f.maxAbsoluteError))
            }
            return try LookupTable(
                provenance: header.provenance, axes: axes, output: header.output, values: try blob[header.values],
                monteCarlo: mc, dynamics: dynamics, separableFit: fit)
        } catch TransferCurvesError.invalidTable(let reason) {
            throw TransferCurvesError.corrupt(path: path, reason: reason)
        }
    }
}

/// The JSON header: metadata, with every number array replaced by a reference into the payload.
struct FileHeader: Codable {
    struct AxisEntry: Codable {
        var name: String
        var unit: String
        var values: BlobReference
    }
    struct MonteCarloEntry: Codable {
        var instances: Int
        var failedInstances: Int
        /// Decimal string: JSON numbers cannot carry every UInt64 exactly.
        var seed: String
        var tolerances: [String: Double]
        var mean: BlobReference
        var standardDeviation: BlobReference
        var gain: BlobReference
        var offset: BlobReference
        var residual: BlobReference
        /// `[lower, upper]` of the x range used for the gain/offset fit; absent: the whole grid.
        var fitRange: BlobReference?
        /// The spread per tolerance key, each tolerance alone (optional; absent in older files).
        var contributions: [String: ToleranceContribution]?
    }
    struct FitEntry: Codable {
        var rank: Int
        var target: BlobReference
        var relativeResidual: BlobReference
        var maxAbsoluteError: BlobReference
        var singularValues: BlobReference
        /// g_r(x_i) for r = 0..<rank, each over the x grid, concatenated.
        var g: BlobReference
        /// h_r(w_j) likewise over the w grid.
        var h: BlobReference
    }
    var provenance: Provenance
    var axes: [AxisEntry]
    var output: Quantity
    var values: BlobReference
    var monteCarlo: MonteCarloEntry?
    var dynamics: Dynamics?
    var separableFit: FitEntry?
}

/// The `dynamics` member of a version-1 header.
struct V1Dynamics: Codable {
    var dynamics: DynamicsV1?
}

/// A slice of the payload, in Float64 units.
struct BlobReference: Codable {
    var offset: Int
    var count: Int
}

struct BlobWriter {
    var values: [Double] = []
    mutating func append(_ array: [Double]) -> BlobReference {
        defer { values.append(contentsOf: array) }
        return BlobReference(offset: values.count, count: array.count)
    }
}

struct BlobReader {
    let values: [Double]
    let path: String
    subscript(_ ref: BlobReference) -> [Double] {
        get throws {
            guard ref.offset >= 0, ref.count >= 0, ref.offset <= values.count, ref.count <= values.count - ref.offset else {
                throw TransferCurvesError.corrupt(
                    path: path, reason: "header refers to values \(ref.offset)..<\(ref.offset + ref.count) "
                        + "outside the payload of \(values.count)")
            }
            return Array(values[ref.offset..<(ref.offset + ref.count)])
        }
    }
    func scalar(_ ref: BlobReference) throws -> Double {
        let v = try self[ref]
        guard v.count == 1 else { throw TransferCurvesError.corrupt(path: path, reason: "expected one value, found \(v.count)") }
        return v[0]
    }
}

struct ByteReader {
    let bytes: [UInt8]
    var position = 0
    mutating func bytes(_ n: Int) -> ArraySlice<UInt8>? {
        guard n >= 0, n <= bytes.count - position else { return nil }
        defer { position += n }
        return bytes[position..<(position + n)]
    }
    mutating func uint32() -> UInt32? {
        guard let b = bytes(4) else { return nil }
        return b.reversed().reduce(0) { $0 << 8 | UInt32($1) }
    }
    mutating func uint64() -> UInt64? {
        guard let b = bytes(8) else { return nil }
        return b.reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }
}

extension Array where Element == UInt8 {
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        for b in 0..<(T.bitWidth / 8) { append(UInt8(truncatingIfNeeded: value >> (8 * b))) }
    }
}
