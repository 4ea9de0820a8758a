import Foundation
import FuzzSupport
import Simulator

/// The ASCII rawfile reader (Kelvin's and ngspice's `.raw`), through a scratch file.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRawfile(_ data: UnsafeRawPointer?, _ count: Int) -> CInt {
    let path = NSTemporaryDirectory() + "kelvin-fuzz-\(getpid()).raw"
    guard FileManager.default.createFile(atPath: path, contents: Data(Fuzz.bytes(data, count))) else { return 0 }
    do { _ = try Rawfile.read(path: path) } catch { Fuzz.expectNamed(error, path) }
    return 0
}
