import Foundation
import FuzzSupport
import NN

/// The run directory's `metrics.jsonl` reader (`kelvin plot`, `kelvin train --resume`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMetricsJSONL(_ data: UnsafeRawPointer?, _ count: Int) -> CInt {
    let path = "fuzz-run/metrics.jsonl"
    do { _ = try MetricsWriter.parse(Data(Fuzz.bytes(data, count)), path: path) } catch { Fuzz.expectNamed(error, path) }
    return 0
}
