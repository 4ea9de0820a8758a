/// A small, seedable, serialisable random number generator (SplitMix64).
///
/// Its whole state is one `UInt64`, so it can be stored in a checkpoint and restored to continue
/// the exact same stream.
public struct RandomSource: RandomNumberGenerator, Sendable, Codable, Equatable {
    /// The generator state; advancing it by the golden-ratio increment produces the next output.
    public var state: UInt64

    /// Creates a generator whose stream is determined by `seed`.
    public init(seed: UInt64) { state = seed }

    /// Derives an independent generator for a sub-stream (for example one per epoch or batch).
    public init(seed: UInt64, stream: UInt64...) {
        var s = RandomSource(seed: seed)
        for x in stream { s.state = s.next() ^ (x &* 0xD6E8_FEB8_6659_FD93) ; _ = s.next() }
        state = s.state
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform `Float` in [0, 1).
    public mutating func nextUniform() -> Float { Float(next() >> 40) * (1.0 / Float(1 << 24)) }

    /// A standard normal sample (Box–Muller).
    public mutating func nextNormal() -> Float {
        let u1 = max(Double(next() >> 11) * 0x1.0p-53, 1e-300)
        let u2 = Double(next() >> 11) * 0x1.0p-53
        return Float((-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2))
    }
}

#if canImport(Glibc)
import Glibc
@inline(__always) func _log(_ x: Double) -> Double { Glibc.log(x) }
@inline(__always) func _cos(_ x: Double) -> Double { Glibc.cos(x) }
#else
import Foundation
@inline(__always) func _log(_ x: Double) -> Double { Foundation.log(x) }
@inline(__always) func _cos(_ x: Double) -> Double { Foundation.cos(x) }
#endif
