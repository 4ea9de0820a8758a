/// Random training-time image augmentation: random crop with zero padding and horizontal flip.
public struct Augmentation: Sendable, Codable, Equatable {
    /// Zero padding on each side before a random crop back to the original size (0 disables cropping).
    public var cropPadding: Int
    /// Whether images are mirrored left-right with probability ½.
    public var horizontalFlip: Bool

    public init(cropPadding: Int = 0, horizontalFlip: Bool = false) {
        self.cropPadding = cropPadding
        self.horizontalFlip = horizontalFlip
    }

    /// No augmentation.
    public static let none = Augmentation()
    /// True when the augmentation leaves images unchanged.
    public var isIdentity: Bool { cropPadding == 0 && !horizontalFlip }
    /// How many numbers `apply` draws from its generator per image (always the same).
    public var drawsPerImage: Int { (cropPadding > 0 ? 2 : 0) + (horizontalFlip ? 1 : 0) }

    /// Augments one `channels × height × width` image in place, drawing randomness from `rng`.
    public func apply(
        _ image: UnsafeMutableBufferPointer<Float>, channels: Int, height: Int, width: Int,
        rng: inout RandomSource
    ) {
        let pad = cropPadding
        let dy = pad > 0 ? Int(rng.next() % UInt64(2 * pad + 1)) - pad : 0
        let dx = pad > 0 ? Int(rng.next() % UInt64(2 * pad + 1)) - pad : 0
        let flip = horizontalFlip && (rng.next() & 1) == 1
        if dy == 0 && dx == 0 && !flip { return }
        let plane = height * width
        var tmp = [Float](repeating: 0, count: plane)
        for c in 0..<channels {
            let base = c * plane
            for y in 0..<height {
                let sy = y + dy
                for x in 0..<width {
                    let ox = flip ? width - 1 - x : x
                    let sx = ox + dx
                    tmp[y * width + x] = (sy >= 0 && sy < height && sx >= 0 && sx < width) ? image[base + sy * width + sx] : 0
                }
            }
            for i in 0..<plane { image[base + i] = tmp[i] }
        }
    }
}
