/// The IDX file format used by MNIST and Fashion-MNIST (optionally gzip-compressed).
///
/// Layout: two zero bytes, a type code (`0x08` unsigned byte … `0x0E` double), the number of
/// dimensions, one big-endian `UInt32` per dimension, then the values in row-major order.
public struct IDXFile: Sendable {
    /// The dimensions, outermost first (e.g. `[60000, 28, 28]`).
    public var shape: [Int]
    /// The values converted to `Float`.
    public var values: [Float]

    /// Reads and validates an IDX file; `.gz` files are decompressed.
    public init(path: String) throws {
        let bytes = try FileBytes.read(path)
        try self.init(bytes: bytes, path: path)
    }

    /// Parses IDX content; `path` is only used in error messages.
    public init(bytes: [UInt8], path: String) throws {
        func fail(_ reason: String) -> NNError { .corruptFile(path: path, reason: reason) }
        guard bytes.count >= 4 else { throw fail("too short for an IDX header") }
        guard bytes[0] == 0, bytes[1] == 0 else { throw fail("bad IDX magic (expected two zero bytes)") }
        let type = bytes[2]
        let rank = Int(bytes[3])
        guard rank >= 1 else { throw fail("IDX rank is zero") }
        let elementSize: Int
        switch type {
        case 0x08, 0x09: elementSize = 1
        case 0x0B: elementSize = 2
        case 0x0C, 0x0D: elementSize = 4
        case 0x0E: elementSize = 8
        default: throw fail("unknown IDX type code 0x\(String(type, radix: 16))")
        }
        let headerSize = 4 + 4 * rank
        guard bytes.count >= headerSize else { throw fail("truncated IDX header") }
        var dims = [Int]()
        for d in 0..<rank {
            let o = 4 + 4 * d
            dims.append(Int(bytes[o]) << 24 | Int(bytes[o + 1]) << 16 | Int(bytes[o + 2]) << 8 | Int(bytes[o + 3]))
        }
        // Dimensions come from the file: multiply with overflow checks so a corrupt header is an error.
        var count = 1
        for d in dims + [elementSize] {
            let (product, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow else { throw fail("IDX dimensions \(dims) are too large") }
            count = product
        }
        count /= elementSize
        guard bytes.count - headerSize >= count * elementSize else {
            throw fail("truncated IDX data: expected \(count * elementSize) bytes, found \(bytes.count - headerSize)")
        }
        shape = dims
        var out = [Float](repeating: 0, count: count)
        bytes.withUnsafeBufferPointer { b in
            let p = b.baseAddress! + headerSize
            func be(_ i: Int, _ n: Int) -> UInt64 {
                var v: UInt64 = 0
                for k in 0..<n { v = v << 8 | UInt64(p[i * n + k]) }
                return v
            }
            switch type {
            case 0x08: for i in 0..<count { out[i] = Float(p[i]) }
            case 0x09: for i in 0..<count { out[i] = Float(Int8(bitPattern: p[i])) }
            case 0x0B: for i in 0..<count { out[i] = Float(Int16(truncatingIfNeeded: be(i, 2))) }
            case 0x0C: for i in 0..<count { out[i] = Float(Int32(truncatingIfNeeded: be(i, 4))) }
            case 0x0D: for i in 0..<count { out[i] = Float(bitPattern: UInt32(be(i, 4))) }
            default: for i in 0..<count { out[i] = Float(Double(bitPattern: be(i, 8))) }
            }
        }
        values = out
    }
}
