import Foundation
import FuzzSupport
import NN

/// Analog profile documents (`--analog FILE`, the profile stored in a checkpoint).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAnalogProfile(_ data: UnsafeRawPointer?, _ count: Int) -> CInt {
    let path = "fuzz-profile.json"
    do {
        let settings = try AnalogSettings(json: Data(Fuzz.bytes(data, count)), path: path)
        _ = settings.json()
    } catch { Fuzz.expectNamed(error, path) }
    return 0
}
