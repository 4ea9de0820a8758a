import FuzzSupport
import TransferCurves

/// The `.lut` reader. The input is a table file without its trailing SHA-256, which is appended
/// here so mutations reach the header and payload parsers instead of stopping at the checksum.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLUT(_ data: UnsafeRawPointer?, _ count: Int) -> CInt {
    let body = Fuzz.bytes(data, count)
    let path = "fuzz-input.lut"
    for bytes in [body + SHA256.digest(body), body] {
        do {
            let table = try LookupTable.decode(bytes, path: path)
            _ = try? table.encoded()
        } catch { Fuzz.expectNamed(error, path) }
    }
    return 0
}
