/// A labelled image data set the data loader draws examples from: the in-memory `ImageDataset`,
/// or an `ImageFolder` that decodes its files as they are needed.
public protocol ImageSource: Sendable {
    /// Number of examples.
    var count: Int { get }
    /// Channels, height and width of one prepared example.
    var channels: Int { get }
    var height: Int { get }
    var width: Int { get }
    /// Number of classes; every label lies in `0..<classes`.
    var classes: Int { get }
    /// The label of every example.
    var labels: [Int32] { get }

    /// Writes example `n` as `channels × height × width` floats into `out`: augmented with
    /// randomness drawn from `rng` when `augmentation` is not the identity, prepared for
    /// evaluation when it is. Throws, naming the file, when the example cannot be read.
    func loadExample(_ n: Int, into out: UnsafeMutableBufferPointer<Float>, augmentation: Augmentation,
                     rng: inout RandomSource) throws

    /// Throws when `augmentation` means nothing for this source.
    func check(_ augmentation: Augmentation) throws

    /// The first `n` examples (all when `n >= count`).
    func prefix(_ n: Int) -> Self

    /// The set with every channel mapped to `(x − mean[c]) / std[c]`.
    func normalized(mean: [Float], std: [Float]) throws -> Self
}

extension ImageSource {
    /// Number of floats in one example.
    public var imageSize: Int { channels * height * width }

    public func check(_ augmentation: Augmentation) throws {}
}

extension ImageDataset: ImageSource {
    public func loadExample(_ n: Int, into out: UnsafeMutableBufferPointer<Float>, augmentation: Augmentation,
                            rng: inout RandomSource) throws {
        let size = imageSize
        images.withUnsafeBufferPointer { src in
            for i in 0..<size { out[i] = src[n * size + i] }
        }
        if !augmentation.isIdentity { augmentation.apply(out, channels: channels, height: height, width: width, rng: &rng) }
    }
}
