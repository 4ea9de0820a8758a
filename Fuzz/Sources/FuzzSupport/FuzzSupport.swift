#if canImport(Glibc)
    import Glibc
#endif

/// Helpers shared by the fuzz targets: the input as bytes, and the one property every reader
/// must keep besides "no crash, no hang": an error names the file it is about.
public enum Fuzz {
    /// The fuzzer's input as an array.
    public static func bytes(_ start: UnsafeRawPointer?, _ count: Int) -> [UInt8] {
        guard let start, count > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: start, count: count))
    }

    /// Aborts (a finding for libFuzzer) when the error's message does not name `path`.
    public static func expectNamed(_ error: any Error, _ path: String) {
        let text = String(describing: error)
        if !text.contains(path) {
            let line = Array("FUZZ FINDING: error does not name the file '\(path)': \(text)\n".utf8)
            _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
            abort()
        }
    }

    /// CRC-32 (IEEE, as zlib), so checkpoint inputs can carry a valid checksum and reach the parser.
    public static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            crc ^= UInt32(b)
            for _ in 0..<8 { crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1))) }
        }
        return ~crc
    }
}
