import CZlib
import Foundation

/// Reads whole files, transparently inflating gzip (`.gz`) content with zlib.
enum FileBytes {
    /// Returns the bytes of `path`, decompressed when they start with the gzip magic `1f 8b`.
    static func read(_ path: String) throws -> [UInt8] {
        let bytes = try raw(path)
        if bytes.count >= 2, bytes[0] == 0x1f, bytes[1] == 0x8b { return try gunzip(bytes, path: path) }
        return bytes
    }

    /// Returns the bytes of `path` as stored; a missing or unreadable file throws naming it.
    static func raw(_ path: String) throws -> [UInt8] {
        guard FileManager.default.fileExists(atPath: path) else { throw NNError.fileNotFound(path: path) }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw NNError.corruptFile(path: path, reason: "cannot read file")
        }
        return [UInt8](data)
    }

    /// Inflates a gzip stream (possibly several concatenated members).
    static func gunzip(_ input: [UInt8], path: String) throws -> [UInt8] {
        var stream = z_stream()
        // 16 + MAX_WBITS: expect a gzip header.
        guard inflateInit2_(&stream, 16 + 15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw NNError.corruptFile(path: path, reason: "zlib initialisation failed")
        }
        defer { inflateEnd(&stream) }
        var output = [UInt8]()
        output.reserveCapacity(input.count * 4)
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var status: Int32 = Z_OK
        try input.withUnsafeBufferPointer { inBuf in
            stream.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress)
            stream.avail_in = uInt(inBuf.count)
            while true {
                let produced: Int = chunk.withUnsafeMutableBufferPointer { outBuf in
                    stream.next_out = outBuf.baseAddress
                    stream.avail_out = uInt(outBuf.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    return outBuf.count - Int(stream.avail_out)
                }
                output.append(contentsOf: chunk[0..<produced])
                if status == Z_STREAM_END {
                    // Concatenated gzip members: continue if input remains.
                    if stream.avail_in > 0 { guard inflateReset(&stream) == Z_OK else { break }; continue }
                    break
                }
                if status != Z_OK {
                    let msg = stream.msg.map { String(cString: $0) } ?? "inflate error \(status)"
                    throw NNError.corruptFile(path: path, reason: "gzip: \(msg)")
                }
                if stream.avail_in == 0 && produced == 0 {
                    throw NNError.corruptFile(path: path, reason: "gzip: truncated stream")
                }
            }
        }
        return output
    }
}

/// CRC-32 (zlib's polynomial) of a byte buffer.
func crc32Checksum(_ bytes: UnsafeRawBufferPointer, seed: UInt = 0) -> UInt32 {
    guard let base = bytes.baseAddress else { return UInt32(truncatingIfNeeded: seed) }
    var crc = seed
    var offset = 0
    while offset < bytes.count {
        let n = min(bytes.count - offset, 1 << 30)
        crc = crc32(crc, base.advanced(by: offset).assumingMemoryBound(to: Bytef.self), uInt(n))
        offset += n
    }
    return UInt32(truncatingIfNeeded: crc)
}
