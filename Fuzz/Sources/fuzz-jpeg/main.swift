import FuzzSupport
import NN

/// The JPEG decoder of the ImageFolder data set (TurboJPEG), then both of its transforms on the
/// decoded image at a small size.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJPEG(_ data: UnsafeRawPointer?, _ count: Int) -> CInt {
    let path = "fuzz-input.jpg"
    do {
        let image = try JPEG.decode(Fuzz.bytes(data, count), path: path)
        guard image.width * image.height <= 1 << 22 else { return 0 }  // keep each input fast
        var out = [Float](repeating: 0, count: 3 * 8 * 8)
        var rng = RandomSource(seed: UInt64(count))
        for render in [ImageRender.evaluation(width: image.width, height: image.height, resize: 9, size: 8),
                       ImageRender.training(width: image.width, height: image.height, size: 8, flip: true, rng: &rng)] {
            out.withUnsafeMutableBufferPointer {
                render.render(image, mean: ImageFolder.imageNetMean, std: ImageFolder.imageNetStd, into: $0)
            }
        }
    } catch { Fuzz.expectNamed(error, path) }
    return 0
}
