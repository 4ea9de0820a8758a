#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// SplitMix64 (Steele, Lea, Flood 2014): the one seedable, serialisable random number generator
/// of Kelvin (weights, shuffling, noise, Monte Carlo mismatch, tests).
///
/// Its whole state is one `UInt64`, so it can be stored in a checkpoint and restored to continue
/// the exact same stream. Each output advances the state by the golden-ratio increment
/// `φ = 0x9E3779B97F4A7C15` and mixes it (the `mix64` finaliser).
public struct SplitMix64: RandomNumberGenerator, Sendable, Codable, Equatable {
    /// The generator state.
    public var state: UInt64

    /// Creates a generator whose stream is determined by `seed`.
    public init(seed: UInt64) { state = seed }

    /// The generator of Monte Carlo instance `k`: seeded with the first output of
    /// `SplitMix64(seed: seed ⊕ φ·(k+1))`, so results do not depend on scheduling.
    public init(seed: UInt64, instance k: Int) {
        var mixer = SplitMix64(seed: seed ^ (0x9E37_79B9_7F4A_7C15 &* UInt64(k + 1)))
        state = mixer.next()
    }

    /// Derives an independent generator for a sub-stream (one per epoch, batch, step or site):
    /// for each `x`, `state ← next() ⊕ x·0xD6E8FEB86659FD93`, then one output is discarded.
    public init(seed: UInt64, stream: UInt64...) {
        var s = SplitMix64(seed: seed)
        for x in stream { s.state = s.next() ^ (x &* 0xD6E8_FEB8_6659_FD93); _ = s.next() }
        state = s.state
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform `Float` in [0, 1) (24 random bits).
    public mutating func nextUniform() -> Float { Float(next() >> 40) * (1.0 / Float(1 << 24)) }

    /// A standard normal draw by Box–Muller: `z = sqrt(−2 ln u₁)·cos(2π u₂)`, `u₁ ∈ (0, 1]`,
    /// `u₂ ∈ [0, 1)` (53 random bits each).
    public mutating func nextGaussian() -> Double {
        let u1 = 1 - Double(next() >> 11) * 0x1p-53
        let u2 = Double(next() >> 11) * 0x1p-53
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// `nextGaussian()` as a `Float`.
    public mutating func nextNormal() -> Float { Float(nextGaussian()) }
}
