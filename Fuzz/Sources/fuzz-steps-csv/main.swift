import Foundation
import FuzzSupport
import NN

/// The run directory's `steps.csv` reader (`kelvin plot`, `kelvin train --resume`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzStepsCSV(_ data: UnsafeRawPointer?, _ count: Int) -> CInt {
    let path = "fuzz-run/steps.csv"
    do { _ = try StepLog.parse(Data(Fuzz.bytes(data, count)), path: path) } catch { Fuzz.expectNamed(error, path) }
    return 0
}
