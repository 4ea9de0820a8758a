import Foundation

extension DeviceSettings {
    /// Power-law conductance drift (PCM: structural relaxation of the amorphous phase):
    ///
    /// `G(t) = G₀·((t + t₀)/t₀)^−ν`, `t` the time since programming (s), `t₀` the first read (s).
    ///
    /// `ν` is drawn once per device and chip: `ν = |μ(G) + s(G)·ξ|`, `ξ ~ N(0, 1)`, with
    /// `μ(G) = clip(nu_mean + nu_mean_log_slope·ln(G/G_max), nu_mean_range)` and
    /// `s(G) = clip(nu_std + nu_std_log_slope·ln(G/G_max), nu_std_range)` (G/G_max ≥ 10⁻⁷): constant
    /// when the slopes are 0, aihwkit's PCMLikeNoiseModel fit for the `pcm` preset.
    ///
    /// **Compensation** (aihwkit's GlobalDriftCompensation): after programming (`t = 0`) and again at
    /// `t` the crossbar is read with the one-hot reference inputs (aihwkit's `eye`), whose outputs
    /// are the read-back weights `w̃` themselves; the layer's outputs are multiplied digitally by
    /// `α = mean|w̃(0)| / mean|w̃(t)|` — one α per layer (`global`) or per output (`column`).
    public struct Drift: Codable, Sendable, Equatable {
        /// First read after programming, s (default 20, aihwkit's `t_0`).
        public var t0: Double?
        public var nuMean: Double?
        public var nuStd: Double?
        public var nuMeanLogSlope: Double?
        public var nuStdLogSlope: Double?
        /// `[lo, hi]` clip of μ(G) and s(G).
        public var nuMeanRange: [Double]?
        public var nuStdRange: [Double]?
        /// Evaluation time after programming, s (default 0; `kelvin eval --drift-time`).
        public var time: Double?
        /// `none`, `global` (one scale per layer) or `column` (one per output).
        public var compensation: String?

        public init(t0: Double? = nil, nuMean: Double? = nil, nuStd: Double? = nil, time: Double? = nil, compensation: String? = nil) {
            self.t0 = t0; self.nuMean = nuMean; self.nuStd = nuStd; self.time = time; self.compensation = compensation
        }

        static func merge(_ given: Drift?, over base: Drift?) -> Drift? {
            guard var out = base else { return given }
            guard let given else { return out }
            out.t0 = given.t0 ?? out.t0
            out.nuMean = given.nuMean ?? out.nuMean
            out.nuStd = given.nuStd ?? out.nuStd
            out.nuMeanLogSlope = given.nuMeanLogSlope ?? out.nuMeanLogSlope
            out.nuStdLogSlope = given.nuStdLogSlope ?? out.nuStdLogSlope
            out.nuMeanRange = given.nuMeanRange ?? out.nuMeanRange
            out.nuStdRange = given.nuStdRange ?? out.nuStdRange
            out.time = given.time ?? out.time
            out.compensation = given.compensation ?? out.compensation
            return out
        }

        func validate(fail: (String, String) -> NNError) throws {
            if let t0, !(t0 > 0 && t0.isFinite) { throw fail("drift.t0", "must be > 0 s, got \(t0)") }
            guard let m = nuMean, m.isFinite else { throw fail("drift.nu_mean", "give the mean drift exponent ν") }
            if let s = nuStd, !s.isFinite { throw fail("drift.nu_std", "must be finite, got \(s)") }
            for (key, range) in [("nu_mean_range", nuMeanRange), ("nu_std_range", nuStdRange)] {
                if let r = range, !(r.count == 2 && r[0] <= r[1] && r.allSatisfy(\.isFinite)) {
                    throw fail("drift.\(key)", "give [lo, hi] with lo ≤ hi")
                }
            }
            if let t = time, !(t >= 0 && t.isFinite) { throw fail("drift.time", "must be ≥ 0 s, got \(t)") }
            if let c = compensation, !["none", "global", "column"].contains(c) {
                throw fail("drift.compensation", "use none, global or column, got '\(c)'")
            }
        }

        /// The mean and spread of ν for a device at conductance `g` of a device with `gMax`.
        func nuStatistics(_ g: Double, gMax: Double) -> (mean: Double, std: Double) {
            let l = Foundation.log(max(abs(g) / gMax, 1e-7))
            func clip(_ v: Double, _ r: [Double]?) -> Double { r.map { min(max(v, $0[0]), $0[1]) } ?? v }
            return (clip((nuMean ?? 0) + (nuMeanLogSlope ?? 0) * l, nuMeanRange),
                    max(0, clip((nuStd ?? 0) + (nuStdLogSlope ?? 0) * l, nuStdRange)))
        }

        /// ν for a device at `g`, from one standard normal draw `xi`.
        func nu(_ g: Double, gMax: Double, xi: Double) -> Double {
            let (m, s) = nuStatistics(g, gMax: gMax)
            return abs(m + s * xi)
        }

        /// `((t + t₀)/t₀)^−ν`.
        func factor(nu: Double, time t: Double) -> Double {
            let t0 = self.t0 ?? 20
            return t > 0 ? Foundation.pow((t + t0) / t0, -nu) : 1
        }
    }
}
