@_exported import Randomness

/// A deterministic random number generator so tests are reproducible (the project's SplitMix64).
public typealias SeededGenerator = SplitMix64
