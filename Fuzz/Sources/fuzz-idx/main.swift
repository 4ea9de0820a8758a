import FuzzSupport
import NN

/// The IDX data-set reader (MNIST-style image and label files).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIDX(_ data: UnsafeRawPointer?, _ count: Int) -> CInt {
    let path = "fuzz-input.idx"
    do { _ = try IDXFile(bytes: Fuzz.bytes(data, count), path: path) } catch { Fuzz.expectNamed(error, path) }
    return 0
}
