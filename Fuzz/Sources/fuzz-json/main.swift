import Foundation
import FuzzSupport
import NN

/// The other JSON documents Kelvin decodes: `profile.json` (`ProfileRecord`), a checkpoint's
/// header (`CheckpointHeader`, with its `ModelSpec`) and a model spec on its own. The first byte
/// chooses the type, the rest is the document.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = Fuzz.bytes(data, count)
    guard let selector = bytes.first else { return 0 }
    let document = Data(bytes.dropFirst())
    let decoder = JSONDecoder()
    switch selector % 3 {
    case 0: _ = try? decoder.decode(ProfileRecord.self, from: document)
    case 1:
        if let header = try? decoder.decode(CheckpointHeader.self, from: document) {
            _ = try? header.inputNormalization?.validate(for: header.model)
        }
    default: _ = try? decoder.decode(ModelSpec.self, from: document)
    }
    return 0
}
