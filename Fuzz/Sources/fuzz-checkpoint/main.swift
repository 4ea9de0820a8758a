import FuzzSupport
import NN

/// The checkpoint reader. The input is a checkpoint without its trailing CRC-32, appended here
/// so mutations reach the JSON header and the arrays.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCheckpoint(_ data: UnsafeRawPointer?, _ count: Int) -> CInt {
    let body = Fuzz.bytes(data, count)
    let crc = Fuzz.crc32(body)
    let path = "fuzz-input.ckpt"
    for bytes in [body + (0..<4).map { UInt8(truncatingIfNeeded: crc >> (8 * $0)) }, body] {
        do {
            let ck = try Checkpoint(bytes: bytes, path: path)
            try ck.header.inputNormalization?.validate(for: ck.header.model)
        } catch { Fuzz.expectNamed(error, path) }
    }
    return 0
}
