import Foundation

/// A resistive memory device that stores each weight as a differential conductance pair
/// (`device` in a profile document, Docs/analog-profiles.md § Devices).
///
/// **Mapping.** A weight `w` of a layer whose calibrated largest magnitude is `w_max` is written
/// to a pair `G⁺ = G_min + (G_max − G_min)·max(w, 0)/w_max`, `G⁻ = G_min + (G_max − G_min)·max(−w, 0)/w_max`
/// (siemens; one device of a pair stays at `G_min`, as aihwkit's single-pair converter does) and
/// read back as `w̃ = (G⁺ − G⁻)·w_max/(G_max − G_min)`. Between the two the conductances pass, in
/// this order (each optional):
///
/// 1. **levels**: `G` rounds to one of `levels` equally spaced values on `[G_min, G_max]`;
/// 2. **programming error**: `G += σ_p(G)·ξ`, `ξ ~ N(0, 1)` drawn once per chip (`--chip-seed` and
///    the layer's label), clamped at `G ≥ 0`;
/// 3. **stuck cells**: a fraction `stuck_off` of the devices reads `G_min`, `stuck_on` reads `G_max`
///    (which devices: per chip);
/// 4. **drift** (`drift`): `G(t) = G·((t + t₀)/t₀)^−ν` at the evaluation time `t`, `ν` per device
///    and chip (`Device+Drift.swift`);
/// 5. **read noise**: `G += σ_r(G)·n`, `n ~ N(0, 1)` fresh in every forward pass (`context.noise`),
///    clamped at `G ≥ 0`.
///
/// `w̃` enters the layer's multiply cells in place of `w` (the ideal `x·w` cell when the profile has
/// no `mac`: a crossbar's `I = Σ G·V`); its gradient is the identity (straight-through).
public struct DeviceSettings: Codable, Sendable, Equatable {
    /// `reram`, `sonos`, `pcm` or `ecram`: fills every key not given (`Device+Presets.swift`).
    public var preset: String?
    /// Conductance range, S.
    public var gMin: Double?
    public var gMax: Double?
    /// Programmable levels per device on `[G_min, G_max]` (nil: continuous).
    public var levels: Int?
    /// σ of the programming error as a function of the target conductance.
    public var programming: ConductanceNoise?
    /// σ of the read noise as a function of the conductance read.
    public var readNoise: ConductanceNoise?
    /// Fractions of devices stuck at `G_max` and at `G_min`.
    public var stuckOn: Double?
    public var stuckOff: Double?
    /// Power-law conductance drift (PCM).
    public var drift: Drift?
    /// Pulsed updates in training (`PulsedUpdate.swift`).
    public var update: PulsedUpdate?

    public init(preset: String? = nil) { self.preset = preset }

    /// The keys of the profile document's `device` object, by object (for the strict key check).
    static let keys: [String: Set<String>] = [
        "device": ["preset", "g_min", "g_max", "levels", "programming", "read_noise", "stuck_on", "stuck_off", "drift", "update"],
        "device.programming": ConductanceNoise.keys,
        "device.read_noise": ConductanceNoise.keys,
        "device.drift": ["t0", "nu_mean", "nu_std", "nu_mean_log_slope", "nu_std_log_slope", "nu_mean_range", "nu_std_range",
                         "time", "compensation"],
        "device.update": ["kind", "dw_min", "up_down", "w_max", "w_min", "gamma_up", "gamma_down", "dw_min_std", "mult_noise",
                          "max_pulses"],
    ]

    /// The settings with the preset's values filled in wherever a key is not given (explicit keys
    /// override the preset, also inside `drift` and `update`); `path` names the document in errors.
    func resolved(path: String) throws -> DeviceSettings {
        guard let name = preset else { return self }
        guard let base = Self.presets[name] else {
            throw NNError.corruptFile(path: path, reason: "key 'device.preset': unknown preset '\(name)' (use \(Self.presets.keys.sorted().joined(separator: ", ")))")
        }
        var out = self
        out.gMin = gMin ?? base.gMin
        out.gMax = gMax ?? base.gMax
        out.levels = levels ?? base.levels
        out.programming = programming ?? base.programming
        out.readNoise = readNoise ?? base.readNoise
        out.stuckOn = stuckOn ?? base.stuckOn
        out.stuckOff = stuckOff ?? base.stuckOff
        out.drift = Drift.merge(drift, over: base.drift)
        out.update = PulsedUpdate.merge(update, over: base.update)
        return out
    }

    /// Checks every value's range, naming the key.
    func validate(path: String) throws {
        func fail(_ key: String, _ reason: String) -> NNError { .corruptFile(path: path, reason: "key 'device.\(key)': \(reason)") }
        guard let gMax, gMax > 0, gMax.isFinite else { throw fail("g_max", "give the largest conductance in S (> 0), or a preset") }
        let gMin = self.gMin ?? 0
        guard gMin >= 0, gMin < gMax else { throw fail("g_min", "must be in [0, g_max), got \(gMin)") }
        if let levels, levels < 2 { throw fail("levels", "must be ≥ 2, got \(levels)") }
        try programming?.validate(key: "programming", fail: fail)
        try readNoise?.validate(key: "read_noise", fail: fail)
        for (key, v) in [("stuck_on", stuckOn), ("stuck_off", stuckOff)] {
            if let v, !(v >= 0 && v <= 1) { throw fail(key, "must be a fraction in [0, 1], got \(v)") }
        }
        if (stuckOn ?? 0) + (stuckOff ?? 0) > 1 { throw fail("stuck_on", "stuck_on + stuck_off must be ≤ 1") }
        try drift?.validate(fail: fail)
        try update?.validate(fail: fail)
    }
}

/// σ of a conductance error as a function of the conductance `G` (S), one of three forms:
///
/// - `polynomial`: `σ(G) = G_max·max(0, Σᵢ cᵢ·(G/G_max)ⁱ)` (`coefficients` c₀, c₁, …, dimensionless:
///   aihwkit's programming polynomials in µS divided by their reference G_max);
/// - `saturating`: `σ(G) = G_max·a·(1 − exp(−G/(b·G_max)))` (CrossSim's SONOS form, `a`, `b` relative to G_max);
/// - `pcm`: aihwkit's accumulated 1/f read noise of PCM at time `t` after programming,
///   `σ(G) = G·min(q/max((G/G_max)^exponent, 10⁻³), q_max)·√ln((t + t₀ + t_read)/(2·t_read))`.
public struct ConductanceNoise: Codable, Sendable, Equatable {
    /// `polynomial`, `saturating` or `pcm`.
    public var kind: String
    public var coefficients: [Double]?
    public var a: Double?
    public var b: Double?
    public var q: Double?
    public var exponent: Double?
    public var qMax: Double?
    /// Read duration of the 1/f fit, s.
    public var tRead: Double?

    static let keys: Set<String> = ["kind", "coefficients", "a", "b", "q", "exponent", "q_max", "t_read"]

    public static func polynomial(_ c: [Double]) -> ConductanceNoise { ConductanceNoise(kind: "polynomial", coefficients: c) }
    public static func saturating(a: Double, b: Double) -> ConductanceNoise { ConductanceNoise(kind: "saturating", a: a, b: b) }

    func validate(key: String, fail: (String, String) -> NNError) throws {
        func finite(_ name: String, _ v: Double?) throws -> Double {
            guard let v, v.isFinite else { throw fail("\(key).\(name)", "give a finite number for kind '\(kind)'") }
            return v
        }
        switch kind {
        case "polynomial":
            guard let c = coefficients, !c.isEmpty, c.allSatisfy(\.isFinite) else {
                throw fail("\(key).coefficients", "give the polynomial's coefficients c₀, c₁, … (relative to g_max)")
            }
        case "saturating":
            _ = try finite("a", a)
            guard try finite("b", b) > 0 else { throw fail("\(key).b", "must be > 0") }
        case "pcm":
            guard try finite("q", q) >= 0 else { throw fail("\(key).q", "must be ≥ 0") }
            _ = try finite("exponent", exponent)
            guard try finite("q_max", qMax) >= 0 else { throw fail("\(key).q_max", "must be ≥ 0") }
            guard try finite("t_read", tRead) > 0 else { throw fail("\(key).t_read", "must be > 0") }
        default:
            throw fail("\(key).kind", "use polynomial, saturating or pcm, got '\(kind)'")
        }
    }

    /// σ at conductance `g` (S) for a device with `gMax`, `t` seconds after programming with drift
    /// reference `t0` (only the `pcm` form depends on time).
    func sigma(_ g: Double, gMax: Double, time t: Double = 0, t0: Double = 20) -> Double {
        switch kind {
        case "polynomial":
            let x = g / gMax
            var sum = 0.0, power = 1.0
            for c in coefficients ?? [] { sum += c * power; power *= x }
            return gMax * max(0, sum)
        case "saturating":
            return gMax * max(0, (a ?? 0) * (1 - Foundation.exp(-g / ((b ?? 1) * gMax))))
        default:
            let tRead = self.tRead ?? 250e-9
            let qs = min((q ?? 0) / max(Foundation.pow(abs(g) / gMax, exponent ?? 0), 1e-3), qMax ?? .infinity)
            let window = Foundation.log((t + t0 + tRead) / (2 * tRead))
            return abs(g) * qs * (window > 0 ? window.squareRoot() : 0)
        }
    }
}
