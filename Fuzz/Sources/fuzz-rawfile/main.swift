import FuzzSupport
import Simulator

/// The ASCII rawfile parser (Kelvin's and ngspice's `.raw`). The text goes to `Rawfile.parse`
/// directly: through a scratch file, LeakSanitizer reported a one-off 4 KiB buffer inside
/// Foundation's file reading (not Kelvin's), and each input cost a write and a read.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRawfile(_ data: UnsafeRawPointer?, _ count: Int) -> CInt {
    let path = "fuzz-input.raw"
    let text = String(decoding: Fuzz.bytes(data, count), as: UTF8.self)
    do { _ = try Rawfile.parse(text, path: path) } catch { Fuzz.expectNamed(error, path) }
    return 0
}
