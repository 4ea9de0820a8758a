import Foundation

/// A device's response to update pulses in training (aihwkit's ConstantStepDevice,
/// LinearStepDevice and SoftBoundsDevice, without device-to-device variation).
///
/// Weights are in the device's normalised units `ŵ = w/w_max` (`w_max` the layer's calibrated
/// largest weight, which maps to `G_max`). The optimizer's step `Δw` becomes `n` pulses in the
/// direction `d = sign(Δw)`: `n = ⌊|Δŵ|/dw_min⌋` plus one more with probability of the
/// remainder (so `E[n·dw_min] = |Δŵ|`), at most `max_pulses` (aihwkit's `desired_bl`, 31). Each pulse
/// moves the weight by
///
/// - up (`d = +1`): `δ = dw_min·(1 + up_down)·(1 − γ⁺·ŵ/w_max_dev)`,
/// - down (`d = −1`): `δ = −dw_min·(1 − up_down)·(1 − γ⁻·ŵ/w_min_dev)`,
///
/// times `(1 + σ·ξ)` (multiplicative cycle-to-cycle noise, `mult_noise`) or plus `d·dw_min·σ·ξ`
/// (additive), `σ = dw_min_std`, `ξ ~ N(0, 1)`; then `ŵ` is clipped to `[w_min_dev, w_max_dev]`.
/// `constant-step` has γ = 0, `soft-bounds` γ = 1 (the step vanishes at the bound), `linear-step`
/// the given `gamma_up`, `gamma_down`. Without noise, `n` up pulses on a soft-bounds device give
/// `ŵ_n = w_max − (w_max − ŵ₀)·(1 − dw_min/w_max)ⁿ`.
public struct PulsedUpdate: Codable, Sendable, Equatable {
    /// `constant-step`, `linear-step` or `soft-bounds`.
    public var kind: String
    /// Mean step of one pulse, normalised weight units.
    public var dwMin: Double?
    /// Up/down asymmetry β: up steps `dw_min·(1 + β)`, down steps `dw_min·(1 − β)`.
    public var upDown: Double?
    /// Bounds of the normalised weight.
    public var wMax: Double?
    public var wMin: Double?
    /// Relative step decrease at the bounds (linear-step).
    public var gammaUp: Double?
    public var gammaDown: Double?
    /// Cycle-to-cycle σ of a step, relative to `dw_min`.
    public var dwMinStd: Double?
    /// Multiplicative (true) or additive (false) cycle-to-cycle noise.
    public var multNoise: Bool?
    /// Largest number of pulses per update.
    public var maxPulses: Int?

    public init(kind: String, dwMin: Double? = nil, upDown: Double? = nil, wMax: Double? = nil, wMin: Double? = nil,
                gammaUp: Double? = nil, gammaDown: Double? = nil, dwMinStd: Double? = nil, multNoise: Bool? = nil, maxPulses: Int? = nil) {
        self.kind = kind; self.dwMin = dwMin; self.upDown = upDown; self.wMax = wMax; self.wMin = wMin
        self.gammaUp = gammaUp; self.gammaDown = gammaDown; self.dwMinStd = dwMinStd; self.multNoise = multNoise; self.maxPulses = maxPulses
    }

    static func merge(_ given: PulsedUpdate?, over base: PulsedUpdate?) -> PulsedUpdate? {
        guard var out = base else { return given }
        guard let given else { return out }
        out.kind = given.kind
        out.dwMin = given.dwMin ?? out.dwMin
        out.upDown = given.upDown ?? out.upDown
        out.wMax = given.wMax ?? out.wMax
        out.wMin = given.wMin ?? out.wMin
        out.gammaUp = given.gammaUp ?? out.gammaUp
        out.gammaDown = given.gammaDown ?? out.gammaDown
        out.dwMinStd = given.dwMinStd ?? out.dwMinStd
        out.multNoise = given.multNoise ?? out.multNoise
        out.maxPulses = given.maxPulses ?? out.maxPulses
        return out
    }

    func validate(fail: (String, String) -> NNError) throws {
        guard ["constant-step", "linear-step", "soft-bounds"].contains(kind) else {
            throw fail("update.kind", "use constant-step, linear-step or soft-bounds, got '\(kind)'")
        }
        guard let dw = dwMin, dw > 0, dw.isFinite else { throw fail("update.dw_min", "give the step of one pulse (> 0)") }
        if let b = upDown, !(abs(b) < 1) { throw fail("update.up_down", "must be in (−1, 1), got \(b)") }
        if !(bounds.max > 0 && bounds.min < 0) { throw fail("update.w_max", "need w_min < 0 < w_max, got [\(bounds.min), \(bounds.max)]") }
        if let s = dwMinStd, !(s >= 0 && s.isFinite) { throw fail("update.dw_min_std", "must be ≥ 0, got \(s)") }
        if let m = maxPulses, m < 1 { throw fail("update.max_pulses", "must be ≥ 1, got \(m)") }
        if kind == "linear-step" {
            for (key, g) in [("gamma_up", gammaUp), ("gamma_down", gammaDown)] where g.map({ !($0 >= 0 && $0 <= 1) }) ?? false {
                throw fail("update.\(key)", "must be in [0, 1], got \(g!)")
            }
        }
    }

    var bounds: (min: Double, max: Double) { (wMin ?? -1, wMax ?? 1) }

    /// (γ⁺, γ⁻) of the kind.
    var gammas: (up: Double, down: Double) {
        switch kind {
        case "soft-bounds": (1, 1)
        case "linear-step": (gammaUp ?? 0, gammaDown ?? 0)
        default: (0, 0)
        }
    }

    /// The pulse step from `w` in direction `up`, before noise.
    func step(from w: Double, up: Bool) -> Double {
        let dw = dwMin ?? 0, beta = upDown ?? 0, (lo, hi) = bounds, (gu, gd) = gammas
        return up ? dw * (1 + beta) * (1 - gu * w / hi) : -dw * (1 - beta) * (1 - gd * w / lo)
    }

    /// `w` after `pulses` pulses in direction `up`; `normal()` gives the cycle-to-cycle draws.
    func apply(pulses: Int, up: Bool, to w: Double, normal: () -> Double) -> Double {
        let sigma = dwMinStd ?? 0, mult = multNoise ?? (kind != "constant-step"), (lo, hi) = bounds
        var w = w
        for _ in 0..<pulses {
            var delta = step(from: w, up: up)
            if sigma > 0 {
                let xi = normal()
                delta = mult ? delta * (1 + sigma * xi) : delta + (up ? 1 : -1) * (dwMin ?? 0) * sigma * xi
            }
            w = min(max(w + delta, lo), hi)
        }
        return w
    }

    /// The number of pulses for a desired change `delta` (normalised units): `⌊|Δ|/dw_min⌋`, plus
    /// one with the probability of the remainder (`uniform` in [0, 1)), capped at `max_pulses`.
    func pulses(for delta: Double, uniform: Double) -> Int {
        let k = abs(delta) / (dwMin ?? 1)
        guard k.isFinite else { return maxPulses ?? 31 }
        let whole = k.rounded(.down)
        return min(Int(whole) + (uniform < k - whole ? 1 : 0), maxPulses ?? 31)
    }
}
