import FuzzSupport
import Netlist

/// The netlist parser on arbitrary text (includes resolve in a folder that does not exist).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNetlist(_ data: UnsafeRawPointer?, _ count: Int) -> CInt {
    let text = String(decoding: Fuzz.bytes(data, count), as: UTF8.self)
    let path = "fuzz-input.cir"
    do { _ = try NetlistParser.parse(text: text, fileName: path, directory: "/nonexistent/kelvin-fuzz") } catch {
        Fuzz.expectNamed(error, path)
    }
    return 0
}
