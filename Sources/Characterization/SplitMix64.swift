#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// SplitMix64 (Steele, Lea, Flood 2014): a small, fast, seedable generator; instance `k` of a
/// Monte Carlo run uses `SplitMix64(seed: seed ⊕ φ·(k+1))` so results do not depend on scheduling.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// The generator for Monte Carlo instance `k`.
    public init(seed: UInt64, instance k: Int) {
        var mixer = SplitMix64(seed: seed ^ (0x9E37_79B9_7F4A_7C15 &* UInt64(k + 1)))
        state = mixer.next()
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A standard normal draw by Box–Muller: `z = sqrt(−2 ln u₁)·cos(2π u₂)`, `u₁ ∈ (0, 1]`.
    public mutating func nextGaussian() -> Double {
        let u1 = 1 - Double(next() >> 11) * 0x1p-53
        let u2 = Double(next() >> 11) * 0x1p-53
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}
