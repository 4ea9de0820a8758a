import Foundation

/// A safetensors file: named tensors plus string metadata (Hugging Face's format, PyTorch's usual exchange file).
///
/// Layout (little-endian):
/// ```
/// header length N       UInt64
/// header                N bytes of UTF-8 JSON: {"NAME": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]},
///                       ..., "__metadata__": {"key": "value"}}; padded with spaces
/// data                  the tensors' raw bytes; offsets are relative to the start of this section
/// ```
/// The data section is covered exactly: no gaps, no overlaps, nothing after the last tensor.
/// Reading converts F32, F16, BF16 and F64 to `Float` and keeps I64 as `Int64` (PyTorch's
/// `num_batches_tracked`); writing stores `Float` as F32 and `Int64` as I64.
public struct Safetensors: Sendable, Equatable {
    /// The element types this reader understands.
    public enum DType: String, Sendable, CaseIterable {
        case f64 = "F64", f32 = "F32", f16 = "F16", bf16 = "BF16", i64 = "I64"

        /// Bytes per element.
        public var size: Int {
            switch self {
            case .f64, .i64: 8
            case .f32: 4
            case .f16, .bf16: 2
            }
        }
    }

    /// A tensor's values: floating-point (converted to `Float`) or 64-bit integers.
    public enum Values: Sendable, Equatable {
        case float([Float])
        case int64([Int64])

        public var count: Int {
            switch self {
            case .float(let v): v.count
            case .int64(let v): v.count
            }
        }
    }

    /// One named tensor; `dtype` is the type it was stored as (F32 or I64 when written by Kelvin).
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var dtype: DType
        public var shape: [Int]
        public var values: Values

        /// A Float32 tensor.
        public init(name: String, shape: [Int], values: [Float]) {
            self.name = name; self.dtype = .f32; self.shape = shape; self.values = .float(values)
        }

        /// An Int64 tensor.
        public init(name: String, shape: [Int], values: [Int64]) {
            self.name = name; self.dtype = .i64; self.shape = shape; self.values = .int64(values)
        }

        init(name: String, dtype: DType, shape: [Int], values: Values) {
            self.name = name; self.dtype = dtype; self.shape = shape; self.values = values
        }

        /// The tensor as a `NamedArray`, nil for an integer tensor.
        public var namedArray: NamedArray? {
            guard case .float(let v) = values else { return nil }
            return NamedArray(name: name, shape: shape, values: v)
        }
    }

    /// Largest header accepted when reading (the reference implementation's limit).
    public static let maximumHeaderLength = 100_000_000

    /// The tensors, in data order.
    public var entries: [Entry]
    /// The `__metadata__` map.
    public var metadata: [String: String]

    public init(entries: [Entry], metadata: [String: String] = [:]) {
        self.entries = entries; self.metadata = metadata
    }

    /// The tensor called `name`, if stored.
    public func entry(_ name: String) -> Entry? { entries.first { $0.name == name } }
}

// MARK: - Reading

extension Safetensors {
    /// Reads a safetensors file; malformed content throws `NNError.corruptFile` with the path and reason.
    public init(path: String) throws {
        try self.init(bytes: try FileBytes.raw(path), path: path)
    }

    /// Decodes safetensors bytes; `path` names the source in errors.
    public init(bytes: [UInt8], path: String) throws {
        func fail(_ reason: String) -> NNError { .corruptFile(path: path, reason: reason) }
        guard bytes.count >= 8 else { throw fail("truncated: \(bytes.count) bytes, no header length") }
        let declared = LittleEndianBytes.uint64(bytes, at: 0)
        guard declared <= UInt64(Self.maximumHeaderLength) else {
            throw fail("header length \(declared) exceeds the limit of \(Self.maximumHeaderLength) bytes")
        }
        let headerLength = Int(declared)
        guard headerLength <= bytes.count - 8 else {
            throw fail("truncated: header needs \(headerLength) bytes, file has \(bytes.count - 8) after the length")
        }
        guard headerLength >= 2 else { throw fail("header of \(headerLength) bytes is not a JSON object") }
        let header: RawHeader
        do {
            header = try JSONDecoder().decode(RawHeader.self, from: Data(bytes[8..<(8 + headerLength)]))
        } catch let error as RawHeader.Problem {
            throw fail(error.reason)
        } catch {
            throw fail("invalid JSON header: \(Self.describe(error))")
        }
        let dataStart = 8 + headerLength
        let dataLength = bytes.count - dataStart
        // Check every entry's type, shape and extent, then that the extents tile the data section.
        var checked = [(raw: RawHeader.RawEntry, dtype: DType, count: Int)]()
        for raw in header.entries {
            let name = raw.name
            guard let dtype = DType(rawValue: raw.dtype) else {
                throw fail("tensor '\(name)' has unsupported dtype '\(raw.dtype)' (this reader takes "
                    + DType.allCases.map(\.rawValue).joined(separator: ", ") + ")")
            }
            guard raw.shape.allSatisfy({ $0 >= 0 }) else { throw fail("tensor '\(name)' has a negative dimension in shape \(raw.shape)") }
            var count = raw.shape.contains(0) ? 0 : 1
            for d in raw.shape where count > 0 {
                let (p, overflow) = count.multipliedReportingOverflow(by: d)
                guard !overflow, p <= dataLength else { throw fail("tensor '\(name)' has shape \(raw.shape), larger than the file") }
                count = p
            }
            guard raw.offsets.count == 2 else { throw fail("tensor '\(name)' has \(raw.offsets.count) data offsets, expected 2") }
            let (begin, end) = (raw.offsets[0], raw.offsets[1])
            guard begin <= end else { throw fail("tensor '\(name)' has data offsets [\(begin), \(end)] that run backwards") }
            guard end <= UInt64(dataLength) else {
                throw fail("tensor '\(name)' has data offsets [\(begin), \(end)] beyond the \(dataLength) data bytes (truncated?)")
            }
            guard Int(end - begin) == count * dtype.size else {
                throw fail("tensor '\(name)' has \(end - begin) bytes for shape \(raw.shape) of \(dtype.rawValue) (needs \(count * dtype.size))")
            }
            checked.append((raw, dtype, count))
        }
        checked.sort { ($0.raw.offsets[0], $0.raw.offsets[1]) < ($1.raw.offsets[0], $1.raw.offsets[1]) }
        var position: UInt64 = 0
        var previous: String?
        for c in checked {
            let begin = c.raw.offsets[0]
            if begin < position {
                throw fail("tensor '\(c.raw.name)' overlaps '\(previous ?? "")' (data offsets [\(begin), \(c.raw.offsets[1])])")
            }
            if begin > position {
                throw fail("\(begin - position) unused data bytes before tensor '\(c.raw.name)' (offset \(position))")
            }
            position = c.raw.offsets[1]
            previous = c.raw.name
        }
        guard position == UInt64(dataLength) else {
            throw fail("\(UInt64(dataLength) - position) unexpected bytes after the last tensor")
        }
        entries = checked.map { c in
            let start = dataStart + Int(c.raw.offsets[0])
            let values: Values = c.dtype == .i64
                ? .int64(LittleEndianBytes.int64s(bytes, at: start, count: c.count))
                : .float(LittleEndianBytes.floats(bytes, at: start, count: c.count, dtype: c.dtype))
            return Entry(name: c.raw.name, dtype: c.dtype, shape: c.raw.shape, values: values)
        }
        metadata = header.metadata
    }

    private static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let c): return c.underlyingError.map { "\($0.localizedDescription)" } ?? c.debugDescription
        case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c):
            return c.debugDescription + " at " + (c.codingPath.map(\.stringValue).joined(separator: "."))
        case DecodingError.keyNotFound(let key, let c):
            return "missing '\(key.stringValue)' in " + (c.codingPath.map(\.stringValue).joined(separator: "."))
        default: return "\(error)"
        }
    }
}

/// The JSON header as written in the file, before validation.
private struct RawHeader: Decodable {
    struct RawEntry {
        var name: String
        var dtype: String
        var shape: [Int]
        var offsets: [UInt64]
    }

    /// A structural problem found while decoding (reported without the decoder's coding path).
    struct Problem: Error { var reason: String }

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    var entries: [RawEntry] = []
    var metadata: [String: String] = [:]

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        for key in c.allKeys {
            if key.stringValue == "__metadata__" {
                guard let m = try? c.decode([String: String].self, forKey: key) else {
                    throw Problem(reason: "__metadata__ is not a map of strings to strings")
                }
                metadata = m
                continue
            }
            let name = key.stringValue
            guard let e = try? c.nestedContainer(keyedBy: Key.self, forKey: key) else {
                throw Problem(reason: "tensor '\(name)' is not a JSON object")
            }
            guard let dtype = try? e.decode(String.self, forKey: Key(stringValue: "dtype")) else {
                throw Problem(reason: "tensor '\(name)' has no dtype string")
            }
            guard let shape = try? e.decode([Int].self, forKey: Key(stringValue: "shape")) else {
                throw Problem(reason: "tensor '\(name)' has no shape (a list of integers)")
            }
            guard let offsets = try? e.decode([UInt64].self, forKey: Key(stringValue: "data_offsets")) else {
                throw Problem(reason: "tensor '\(name)' has no data_offsets (two non-negative integers)")
            }
            entries.append(RawEntry(name: name, dtype: dtype, shape: shape, offsets: offsets))
        }
    }
}

// MARK: - Writing

extension Safetensors {
    /// Serialises the file: entries in their order, header padded with spaces to a multiple of 8 bytes.
    public func encoded() throws -> [UInt8] {
        struct JSONEntry: Encodable {
            var dtype: String
            var shape: [Int]
            var data_offsets: [Int]
        }
        enum Item: Encodable {
            case tensor(JSONEntry), metadata([String: String])
            func encode(to encoder: Encoder) throws {
                var c = encoder.singleValueContainer()
                switch self {
                case .tensor(let t): try c.encode(t)
                case .metadata(let m): try c.encode(m)
                }
            }
        }
        var items = [String: Item]()
        var offset = 0
        for e in entries {
            guard e.name != "__metadata__", items[e.name] == nil else {
                throw NNError.invalidArgument("safetensors: tensor name '\(e.name)' is reserved or used twice")
            }
            guard e.shape.allSatisfy({ $0 >= 0 }), e.shape.reduce(1, *) == e.values.count else {
                throw NNError.invalidArgument("safetensors: tensor '\(e.name)' has \(e.values.count) values for shape \(e.shape)")
            }
            let dtype: DType
            switch e.values {
            case .float: dtype = .f32
            case .int64: dtype = .i64
            }
            let size = e.values.count * dtype.size
            items[e.name] = .tensor(JSONEntry(dtype: dtype.rawValue, shape: e.shape, data_offsets: [offset, offset + size]))
            offset += size
        }
        if !metadata.isEmpty { items["__metadata__"] = .metadata(metadata) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var json = [UInt8](try encoder.encode(items))
        json += [UInt8](repeating: UInt8(ascii: " "), count: (8 - json.count % 8) % 8)
        var out = [UInt8]()
        out.reserveCapacity(8 + json.count + offset)
        LittleEndianBytes.append(&out, UInt64(json.count))
        out += json
        for e in entries {
            switch e.values {
            case .float(let v): LittleEndianBytes.append(&out, v)
            case .int64(let v): for x in v { LittleEndianBytes.append(&out, UInt64(bitPattern: x)) }
            }
        }
        return out
    }

    /// Writes the file atomically (temporary file in the same directory, then rename).
    public func write(to path: String) throws {
        let bytes = try encoded()
        let url = URL(fileURLWithPath: path)
        let tmp = url.deletingLastPathComponent().path + "/.\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)"
        guard FileManager.default.createFile(atPath: tmp, contents: Data(bytes)) else {
            throw NNError.writeFailed(path: path, reason: "cannot create temporary file \(tmp)")
        }
        guard rename(tmp, path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: tmp)
            throw NNError.writeFailed(path: path, reason: reason)
        }
    }
}

// MARK: - Byte helpers

/// Little-endian loads and stores on byte arrays (the only raw-memory code of the format).
enum LittleEndianBytes {
    static func uint64(_ bytes: [UInt8], at offset: Int) -> UInt64 {
        bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) }
    }

    static func int64s(_ bytes: [UInt8], at start: Int, count: Int) -> [Int64] {
        bytes.withUnsafeBytes { raw in
            (0..<count).map { Int64(littleEndian: raw.loadUnaligned(fromByteOffset: start + 8 * $0, as: Int64.self)) }
        }
    }

    /// `count` elements of `dtype` (a floating type) from `start`, converted to `Float`.
    static func floats(_ bytes: [UInt8], at start: Int, count: Int, dtype: Safetensors.DType) -> [Float] {
        bytes.withUnsafeBytes { raw in
            switch dtype {
            case .f32:
                return (0..<count).map {
                    Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: start + 4 * $0, as: UInt32.self)))
                }
            case .f64:
                return (0..<count).map {
                    Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: start + 8 * $0, as: UInt64.self))))
                }
            case .bf16:
                return (0..<count).map {
                    Float(bitPattern: UInt32(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: start + 2 * $0, as: UInt16.self))) << 16)
                }
            case .f16:
                return (0..<count).map {
                    halfToFloat(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: start + 2 * $0, as: UInt16.self)))
                }
            case .i64:
                return (0..<count).map {
                    Float(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: start + 8 * $0, as: Int64.self)))
                }
            }
        }
    }

    /// IEEE 754 binary16 → binary32, exact (subnormals, infinities and NaN included).
    static func halfToFloat(_ h: UInt16) -> Float {
        let sign: Float = h & 0x8000 != 0 ? -1 : 1
        let exponent = Int((h >> 10) & 0x1f), fraction = Float(h & 0x3ff)
        switch exponent {
        case 0: return sign * fraction * 0x1p-24
        case 31: return fraction == 0 ? sign * .infinity : .nan
        default: return sign * (1 + fraction / 1024) * Float(sign: .plus, exponent: exponent - 15, significand: 1)
        }
    }

    static func append(_ out: inout [UInt8], _ value: UInt64) {
        for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(i)))) }
    }

    static func append(_ out: inout [UInt8], _ values: [Float]) {
        #if _endian(little)
            values.withUnsafeBytes { out.append(contentsOf: $0) }
        #else
            for v in values { for i in 0..<4 { out.append(UInt8(truncatingIfNeeded: v.bitPattern >> (8 * UInt32(i)))) } }
        #endif
    }
}
