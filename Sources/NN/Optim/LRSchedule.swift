import Foundation

/// A learning-rate schedule: the rate to use at optimizer step `step` (0-based).
public protocol LRSchedule: Sendable {
    /// The learning rate for step `step`.
    func learningRate(at step: Int) -> Double
}

extension LRSchedule {
    /// The momentum for step `step`, when the schedule also drives momentum (nil: leave it alone).
    public func momentum(at step: Int) -> Double? { nil }
}

/// A constant learning rate.
public struct ConstantLR: LRSchedule, Codable, Equatable {
    public var lr: Double
    public init(lr: Double) { self.lr = lr }
    public func learningRate(at step: Int) -> Double { lr }
}

/// `lr = base · gamma^⌊step / stepSize⌋` (PyTorch `StepLR`, counted in optimizer steps).
public struct StepLR: LRSchedule, Codable, Equatable {
    public var baseLR: Double
    public var stepSize: Int
    public var gamma: Double
    public init(baseLR: Double, stepSize: Int, gamma: Double = 0.1) {
        self.baseLR = baseLR; self.stepSize = max(1, stepSize); self.gamma = gamma
    }
    public func learningRate(at step: Int) -> Double {
        baseLR * pow(gamma, Double(max(0, step) / stepSize))
    }
}

/// `lr = η_min + (base − η_min)(1 + cos(π t / T_max)) / 2` (PyTorch `CosineAnnealingLR`, closed form).
public struct CosineLR: LRSchedule, Codable, Equatable {
    public var baseLR: Double
    public var totalSteps: Int
    public var minLR: Double
    public init(baseLR: Double, totalSteps: Int, minLR: Double = 0) {
        self.baseLR = baseLR; self.totalSteps = max(1, totalSteps); self.minLR = minLR
    }
    public func learningRate(at step: Int) -> Double {
        let t = Double(min(max(0, step), totalSteps))
        return minLR + (baseLR - minLR) * (1 + cos(Double.pi * t / Double(totalSteps))) / 2
    }
}

/// The 1cycle policy with PyTorch `OneCycleLR` semantics (two phases, cosine annealing).
///
/// Starts at `maxLR / divFactor`, rises to `maxLR` at step `pctStart · total − 1`, then falls to
/// `initial / finalDivFactor` at step `total − 1`. Each phase interpolates with
/// `end + (start − end)(1 + cos(π · pct)) / 2`. Momentum cycles inversely between
/// `maxMomentum` and `baseMomentum` when `cycleMomentum` is set (PyTorch's default).
public struct OneCycleLR: LRSchedule, Codable, Equatable {
    public var maxLR: Double
    public var totalSteps: Int
    public var pctStart: Double
    public var divFactor: Double
    public var finalDivFactor: Double
    public var cycleMomentum: Bool
    public var baseMomentum: Double
    public var maxMomentum: Double

    public init(
        maxLR: Double, totalSteps: Int, pctStart: Double = 0.3, divFactor: Double = 25,
        finalDivFactor: Double = 1e4, cycleMomentum: Bool = true, baseMomentum: Double = 0.85, maxMomentum: Double = 0.95
    ) {
        self.maxLR = maxLR; self.totalSteps = max(2, totalSteps); self.pctStart = pctStart
        self.divFactor = divFactor; self.finalDivFactor = finalDivFactor
        self.cycleMomentum = cycleMomentum; self.baseMomentum = baseMomentum; self.maxMomentum = maxMomentum
    }

    public var initialLR: Double { maxLR / divFactor }
    public var minLR: Double { initialLR / finalDivFactor }

    private static func anneal(_ start: Double, _ end: Double, _ pct: Double) -> Double {
        end + (start - end) / 2 * (cos(Double.pi * pct) + 1)
    }

    /// Which phase `step` is in and how far along it (PyTorch's `get_lr` loop).
    private func phase(_ step: Int) -> (first: Bool, pct: Double) {
        let s = Double(min(max(0, step), totalSteps - 1))
        let end1 = pctStart * Double(totalSteps) - 1
        let end2 = Double(totalSteps) - 1
        if s <= end1 { return (true, end1 > 0 ? s / end1 : 1) }
        return (false, (s - end1) / (end2 - end1))
    }

    public func learningRate(at step: Int) -> Double {
        let (first, pct) = phase(step)
        return first ? Self.anneal(initialLR, maxLR, pct) : Self.anneal(maxLR, minLR, pct)
    }

    public func momentum(at step: Int) -> Double? {
        guard cycleMomentum else { return nil }
        let (first, pct) = phase(step)
        return first ? Self.anneal(maxMomentum, baseMomentum, pct) : Self.anneal(baseMomentum, maxMomentum, pct)
    }
}

/// A schedule chosen by name on the command line, stored in checkpoints.
public enum ScheduleKind: String, Codable, Sendable, CaseIterable {
    case constant, step, cosine, onecycle

    /// Builds the schedule for a run of `totalSteps` optimizer steps with peak/base rate `lr`.
    ///
    /// `step` decays ×0.1 at 50 % and 75 % of the run is approximated by one decay every third of it.
    public func make(lr: Double, totalSteps: Int) -> any LRSchedule {
        switch self {
        case .constant: return ConstantLR(lr: lr)
        case .step: return StepLR(baseLR: lr, stepSize: max(1, totalSteps / 3), gamma: 0.1)
        case .cosine: return CosineLR(baseLR: lr, totalSteps: totalSteps)
        case .onecycle: return OneCycleLR(maxLR: lr, totalSteps: totalSteps)
        }
    }
}
