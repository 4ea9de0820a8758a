import FuzzSupport
import NN

/// The safetensors reader.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafetensors(_ data: UnsafeRawPointer?, _ count: Int) -> CInt {
    let path = "fuzz-input.safetensors"
    do { _ = try Safetensors(bytes: Fuzz.bytes(data, count), path: path) } catch { Fuzz.expectNamed(error, path) }
    return 0
}
