@_exported import Randomness

/// NN's name for the project's generator: weights, shuffling, augmentation and noise draw from it.
public typealias RandomSource = SplitMix64
