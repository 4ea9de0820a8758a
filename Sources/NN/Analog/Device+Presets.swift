extension DeviceSettings {
    /// The device presets; Docs/analog-profiles.md § Devices gives each number's source.
    ///
    /// Programming and read noise are relative to `G_max` (an aihwkit polynomial in µS divided by
    /// its reference G_max), so they scale with an overridden `g_max` as aihwkit scales them.
    /// Levels are 256 per device for ReRAM, SONOS and PCM (the seed's 8-bit weights) and
    /// `(w_max − w_min)/dw_min = 1000` for ECRAM. No preset has stuck cells (no figure in the sources).
    static let presets: [String: DeviceSettings] = {
        // ReRAM: aihwkit ReRamWan2022NoiseModel (Wan et al., Nature 2022), t = 1 s polynomial, µS / 40 µS;
        // 1 % short-term read noise (aihwkit's note on that model); update: aihwkit ReRamSBPresetDevice
        // (Gong et al., Nat. Commun. 2018), bounds ±1 (1.25/−0.75 less the reference device's 0.25).
        var reram = DeviceSettings(preset: "reram")
        reram.gMin = 0
        reram.gMax = 40e-6
        reram.levels = 256
        reram.programming = .polynomial([0.0087, 0.40075, -1.096325, 1.134825, -0.420375])
        reram.readNoise = .polynomial([0.01])
        reram.stuckOn = 0; reram.stuckOff = 0
        reram.update = PulsedUpdate(kind: "soft-bounds", dwMin: 0.002, upDown: 0, wMax: 1, wMin: -1, dwMinStd: 3.75, multNoise: false)

        // SONOS: CrossSim's SONOS model (Agrawal et al., IEDM 2022): cell current 0…1600 nA taken as
        // conductance at 1 V read bias (CrossSim treats current as conductance), on/off 10⁷;
        // σ = A(1 − e^(−I/B)), A = 19.88665 nA, B = 176.3115 nA (programming, t = 0),
        // A = 12.58037 nA, B = 215.36557 nA (read). Its drift over days is a polynomial state shift, not modelled.
        var sonos = DeviceSettings(preset: "sonos")
        sonos.gMin = 1.6e-13
        sonos.gMax = 1.6e-6
        sonos.levels = 256
        sonos.programming = .saturating(a: 0.01242915625, b: 0.1101946875)
        sonos.readNoise = .saturating(a: 0.00786273125, b: 0.13460348125)
        sonos.stuckOn = 0; sonos.stuckOff = 0

        // PCM: aihwkit PCMLikeNoiseModel (Nandakumar et al., ICECS 2019; Joshi et al., Nat. Commun. 2020):
        // g_max 25 µS, programming polynomial [0.26348, 1.9650, −1.1731] µS / 25 µS, 1/f read noise
        // q = 0.0088, exponent 0.65, q_max 0.2, t_read 250 ns, drift t₀ = 20 s and
        // μ_ν = clip(−0.0155·ln(G/G_max) + 0.0244, 0.049, 0.1), σ_ν = clip(−0.0125·ln(G/G_max) − 0.0059, 0.008, 0.045);
        // global drift compensation as in aihwkit's inference presets.
        var pcm = DeviceSettings(preset: "pcm")
        pcm.gMin = 0
        pcm.gMax = 25e-6
        pcm.levels = 256
        pcm.programming = .polynomial([0.0105392, 0.0786, -0.046924])
        pcm.readNoise = ConductanceNoise(kind: "pcm", q: 0.0088, exponent: 0.65, qMax: 0.2, tRead: 250e-9)
        pcm.stuckOn = 0; pcm.stuckOff = 0
        var drift = Drift(t0: 20, nuMean: 0.0244, nuStd: -0.0059, time: 0, compensation: "global")
        drift.nuMeanLogSlope = -0.0155; drift.nuMeanRange = [0.049, 0.1]
        drift.nuStdLogSlope = -0.0125; drift.nuStdRange = [0.008, 0.045]
        pcm.drift = drift

        // ECRAM: aihwkit EcRamPresetDevice (Tang et al., IEDM 2018), a linear-step device; conductance
        // range assumed (0…1 µS, no figure in the source); programming error one pulse's
        // cycle-to-cycle spread, dw_min·dw_min_std/(w_max − w_min) = 3·10⁻⁴ of G_max.
        var ecram = DeviceSettings(preset: "ecram")
        ecram.gMin = 0
        ecram.gMax = 1e-6
        ecram.levels = 1000
        ecram.programming = .polynomial([3e-4])
        ecram.stuckOn = 0; ecram.stuckOff = 0
        ecram.update = PulsedUpdate(kind: "linear-step", dwMin: 0.002, upDown: 0, wMax: 1.1724, wMin: -0.8276,
                                    gammaUp: 0.1153, gammaDown: 0.5085, dwMinStd: 0.3, multNoise: true)
        return ["reram": reram, "sonos": sonos, "pcm": pcm, "ecram": ecram]
    }()
}
