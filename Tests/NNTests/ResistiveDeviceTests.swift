import Foundation
import Tensor
import TestSupport
import XCTest
@testable import NN

/// Resistive device profiles against independent computations: the presets' σ formulas evaluated
/// here from the cited numbers, sampling statistics, the drift power law, closed forms of the
/// pulsed updates.
final class ResistiveDeviceTests: XCTestCase {
    private func settings(_ json: String) throws -> AnalogSettings {
        try AnalogSettings(json: Data(json.utf8), path: "test.json")
    }

    private func profile(_ json: String, chip: UInt64 = 0) throws -> AnalogProfile {
        try AnalogProfile(settings: try settings(json), tables: [:], chipSeed: chip, path: "test.json")
    }

    /// The weights `w` (`[out][in]`, row-major) as the profile's crossbar reads them: a linear
    /// layer fed the one-hot inputs, whose outputs are `w̃ᵀ`.
    private func readBack(_ profile: AnalogProfile, _ w: [Float], out: Int, in n: Int, step: UInt64 = 0,
                          layer: Model? = nil, training: Bool = false) throws -> [Float] {
        let model = try layer ?? Model(.linear(in: n, out: out, bias: false), seed: 1)
        try XCTUnwrap(model.network as? Linear).weight.assign(Tensor(shape: [out, n], data: w))
        var identity = [Float](repeating: 0, count: n * n)
        for i in 0..<n { identity[i * (n + 1)] = 1 }
        let y = model(Tensor(shape: [n, n], data: identity),
                      context: ForwardContext(training: training, profile: profile, noise: NoiseStream(seed: 7, step: step))).scalars
        return (0..<(out * n)).map { k in y[(k % n) * out + k / n] }
    }

    private func meanStd(_ v: [Double]) -> (mean: Double, std: Double) {
        let m = v.reduce(0, +) / Double(v.count)
        return (m, (v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count - 1)).squareRoot())
    }

    // MARK: programming error, read noise, levels, stuck cells

    /// The programming error's σ at several target conductances matches the preset's formula,
    /// evaluated here from the cited coefficients: PCM (aihwkit's polynomial in µS, reference 25 µS)
    /// and SONOS (CrossSim's A(1 − e^(−I/B)) in nA of 1600 nA).
    func testProgrammingErrorSigmaMatchesPresetFormula() throws {
        let rows = 5, n = 2000
        // Row r holds the weight r/(rows − 1) (row 4 is the largest: G_max after calibration).
        let w = (0..<(rows * n)).map { Float($0 / n) / Float(rows - 1) }
        let cases: [(String, Double, Double, (Double) -> Double)] = [
            ("pcm", 5e-6, 25e-6, { g in  // σ in S for G in S (aihwkit: µS polynomial of G/25 µS)
                let x = g / 25e-6
                return max(0, 0.26348 + 1.9650 * x - 1.1731 * x * x) * 1e-6
            }),
            ("sonos", 1.6e-13, 1.6e-6, { g in
                let i = g * 1e9  // nA at 1 V
                return max(0, 19.88665 * (1 - Foundation.exp(-i / 176.3115))) * 1e-9
            }),
        ]
        for (preset, gMin, gMax, sigma) in cases {
            let p = try profile("""
                {"name": "t", "device": {"preset": "\(preset)", "g_min": \(gMin), "levels": 1000000,
                 "read_noise": {"kind": "polynomial", "coefficients": [0]}}}
                """)
            let read = try readBack(p, w, out: rows, in: n)
            for r in 0..<rows {
                let target = gMin + (gMax - gMin) * Double(r) / Double(rows - 1)
                // Both devices of the pair err: G⁺ at the target, G⁻ at G_min.
                let expected = (sigma(target) * sigma(target) + sigma(gMin) * sigma(gMin)).squareRoot() / (gMax - gMin)
                let (_, std) = meanStd(read[(r * n)..<((r + 1) * n)].map(Double.init))
                // 2000 samples: the sample σ is within ±3/√(2n) ≈ ±4.7 % of the true one.
                XCTAssertEqual(std, expected, accuracy: 0.05 * expected + 1e-7, "\(preset) row \(r)")
            }
        }
    }

    /// Read noise has the stated σ, is fresh per step and the same for the same (seed, step).
    func testReadNoiseSigma() throws {
        let p = try profile(#"{"name": "t", "device": {"g_min": 0.5e-6, "g_max": 1.5e-6, "read_noise": {"kind": "polynomial", "coefficients": [0.02]}}}"#)
        let n = 64, w = (0..<(n * n)).map { Float(($0 % 7) - 3) / 3 }
        let a = try readBack(p, w, out: n, in: n, step: 1), b = try readBack(p, w, out: n, in: n, step: 2)
        XCTAssertEqual(try readBack(p, w, out: n, in: n, step: 1), a)
        XCTAssertNotEqual(a, b)
        // Each device: σ = 0.02·G_max = 0.03 µS; a pair over a range of 1 µS with w_max = 1: √2·0.03.
        let expected = 2.0.squareRoot() * 0.03
        let (_, std) = meanStd(zip(a, w).map { Double($0 - $1) })
        XCTAssertEqual(std, expected, accuracy: 3 * expected / (2 * Double(n * n)).squareRoot())
    }

    /// Without noise, every read-back weight is one of `levels` conductance steps: k/(levels − 1)·w_max.
    func testLevelsAreExact() throws {
        let p = try profile(#"{"name": "t", "device": {"g_max": 1e-6, "levels": 5}}"#)
        var rng = RandomSource(seed: 3)
        var w = (0..<(16 * 16)).map { _ in 4 * rng.nextUniform() - 2 }
        w[0] = 2
        let read = try readBack(p, w, out: 16, in: 16)
        for (r, v) in zip(read, w) {
            XCTAssertEqual(r, (v / 2 * 4).rounded() / 4 * 2, accuracy: 1e-5)
        }
    }

    /// Stuck-on and stuck-off fractions: each device of a pair independently at G_max (10 %) or G_min (20 %).
    func testStuckFractions() throws {
        let p = try profile(#"{"name": "t", "device": {"g_max": 1e-6, "stuck_on": 0.1, "stuck_off": 0.2}}"#)
        let n = 150
        var w = [Float](repeating: 0.5, count: n * n)
        w[0] = 1
        let read = try readBack(p, w, out: n, in: n).dropFirst()
        func fraction(_ v: Float) -> Double { Double(read.filter { abs($0 - v) < 1e-5 }.count) / Double(read.count) }
        // w̃ = G⁺ − G⁻ with G⁺ ∈ {0.5 working, 0 off, 1 on}, G⁻ ∈ {0 working or off, 1 on}.
        let expected: [(Float, Double)] = [(0.5, 0.7 * 0.9), (1, 0.1 * 0.9), (0, 0.2 * 0.9 + 0.1 * 0.1), (-0.5, 0.7 * 0.1), (-1, 0.2 * 0.1)]
        for (value, probability) in expected {
            let sd = (probability * (1 - probability) / Double(read.count)).squareRoot()
            XCTAssertEqual(fraction(value), probability, accuracy: 4 * sd, "w̃ = \(value)")
        }
    }

    // MARK: drift

    /// With a constant ν, the read-back weights follow ((t + t₀)/t₀)^−ν: the log-log slope is −ν.
    func testDriftFollowsThePowerLaw() throws {
        let times = [1e2, 1e4, 1e6, 1e8]
        let w: [Float] = [1, 0.5, -0.25, 0.75]
        var logs = [(Double, Double)]()
        for t in times {
            let p = try profile(#"{"name": "t", "device": {"g_max": 1e-6, "drift": {"t0": 20, "nu_mean": 0.06, "nu_std": 0, "time": \#(t)}}}"#)
            let read = try readBack(p, w, out: 1, in: 4)
            for (r, v) in zip(read, w) { XCTAssertEqual(Double(r / v), Foundation.pow((t + 20) / 20, -0.06), accuracy: 1e-5) }
            logs.append((Foundation.log((t + 20) / 20), Foundation.log(Double(read[0]))))
        }
        let slope = (logs[3].1 - logs[0].1) / (logs[3].0 - logs[0].0)
        XCTAssertEqual(slope, -0.06, accuracy: 1e-5)
    }

    /// The PCM preset draws ν per device: at G_max, μ = clip(0.0244, 0.049, 0.1) = 0.049 and
    /// σ = clip(−0.0059, 0.008, 0.045) = 0.008 (aihwkit's fit); each device's log-log slope is −ν.
    func testPCMDriftExponentStatistics() throws {
        let n = 64
        let w = [Float](repeating: 1, count: n * n)
        func read(_ t: Double) throws -> [Float] {
            try readBack(try profile("""
                {"name": "t", "device": {"preset": "pcm", "levels": 1000000, "programming": {"kind": "polynomial", "coefficients": [0]},
                 "read_noise": {"kind": "polynomial", "coefficients": [0]}, "drift": {"time": \(t), "compensation": "none"}}}
                """), w, out: n, in: n)
        }
        let a = try read(3600), b = try read(3.15e7)
        let nus = zip(a, b).map { -Foundation.log(Double($1 / $0)) / Foundation.log((3.15e7 + 20) / (3600 + 20)) }
        let (mean, std) = meanStd(nus)
        XCTAssertEqual(mean, 0.049, accuracy: 3 * 0.008 / Double(n) + 1e-4)
        XCTAssertEqual(std, 0.008, accuracy: 0.1 * 0.008)
    }

    /// Global drift compensation brings the mean output magnitude at one year back to that after
    /// programming; without it the outputs shrink by about ((t + t₀)/t₀)^−ν.
    func testCompensationRestoresTheMeanOutput() throws {
        let model = try Model(.linear(in: 64, out: 32, bias: false), seed: 4)
        var rng = RandomSource(seed: 5)
        let x = Tensor(shape: [32, 64], data: (0..<(32 * 64)).map { _ in rng.nextNormal() })
        func meanOutput(_ time: Double, _ compensation: String) throws -> Double {
            let p = try profile(#"{"name": "t", "device": {"preset": "pcm", "drift": {"time": \#(time), "compensation": "\#(compensation)"}}}"#, chip: 2)
            let y = model(x, context: ForwardContext(training: false, profile: p, noise: NoiseStream(seed: 1, step: 0)))
            return y.scalars.reduce(0) { $0 + Double(abs($1)) } / Double(y.count)
        }
        let fresh = try meanOutput(0, "global")
        let drifted = try meanOutput(3.15e7, "none"), compensated = try meanOutput(3.15e7, "global")
        let column = try meanOutput(3.15e7, "column")
        XCTAssertLessThan(drifted, 0.6 * fresh)
        XCTAssertEqual(compensated / fresh, 1, accuracy: 0.03)
        XCTAssertEqual(column / fresh, 1, accuracy: 0.05)
    }

    // MARK: pulsed updates

    /// Soft bounds: n noise-free up pulses give w_max − (w_max − w₀)(1 − dw/w_max)ⁿ, saturating at w_max.
    func testSoftBoundsSaturateAsTheClosedForm() {
        let u = PulsedUpdate(kind: "soft-bounds", dwMin: 0.01, wMax: 1, wMin: -1)
        for n in [1, 10, 100, 1000] {
            let w = u.apply(pulses: n, up: true, to: 0.2) { 0 }
            XCTAssertEqual(w, 1 - 0.8 * Foundation.pow(0.99, Double(n)), accuracy: 1e-9)
        }
        let down = u.apply(pulses: 50, up: false, to: 0.2) { 0 }
        XCTAssertEqual(down, -1 + 1.2 * Foundation.pow(0.99, 50), accuracy: 1e-9)
        // Linear step: the step at the bound is dw·(1 − γ).
        let l = PulsedUpdate(kind: "linear-step", dwMin: 0.01, wMax: 1, wMin: -1, gammaUp: 0.3, gammaDown: 0.6)
        XCTAssertEqual(l.step(from: 1, up: true), 0.01 * 0.7, accuracy: 1e-12)
        XCTAssertEqual(l.step(from: -1, up: false), -0.01 * 0.4, accuracy: 1e-12)
    }

    /// Constant step with asymmetry β: n up and n down pulses leave 2nβ·dw; cycle-to-cycle noise
    /// adds variance n·(dw·σ)²; the pulse count's mean is |Δ|/dw.
    func testConstantStepAsymmetryAndNoise() {
        let u = PulsedUpdate(kind: "constant-step", dwMin: 0.001, upDown: 0.2, wMax: 1, wMin: -1)
        let w = u.apply(pulses: 100, up: false, to: u.apply(pulses: 100, up: true, to: 0) { 0 }) { 0 }
        XCTAssertEqual(w, 2 * 100 * 0.2 * 0.001, accuracy: 1e-12)
        let noisy = PulsedUpdate(kind: "constant-step", dwMin: 0.001, wMax: 1, wMin: -1, dwMinStd: 0.5)
        var rng = RandomSource(seed: 9)
        let ends = (0..<4000).map { _ in noisy.apply(pulses: 25, up: true, to: 0) { rng.nextGaussian() } }
        let (mean, std) = meanStd(ends)
        XCTAssertEqual(mean, 0.025, accuracy: 3 * 5 * 0.0005 / 4000.0.squareRoot())
        XCTAssertEqual(std, 5 * 0.0005, accuracy: 0.05 * 5 * 0.0005)
        let counts = (0..<4000).map { _ in Double(noisy.pulses(for: -0.0023, uniform: Double(rng.nextUniform()))) }
        XCTAssertEqual(meanStd(counts).mean, 2.3, accuracy: 0.03)
    }

    /// In training, the optimizer's step on a device layer becomes the soft-bounds pulses (in units
    /// of the layer's calibrated w_max); the same (seed, step) gives the same weights.
    func testTrainingStepBecomesPulsedUpdate() throws {
        func run() throws -> (before: [Float], after: [Float]) {
            let p = try profile(#"{"name": "t", "device": {"g_max": 1e-6, "update": {"kind": "soft-bounds", "dw_min": 0.015625}}}"#)
            let model = try Model(.linear(in: 4, out: 2, bias: false), seed: 1)
            let lin = try XCTUnwrap(model.network as? Linear)
            lin.weight.assign(Tensor(shape: [2, 4], data: [2, 1, 0, -1, 0.5, -0.5, 0.25, -2]))  // w_max = 2
            var sgd = SGD(parameters: model.parameters, config: SGDConfig(learningRate: 1))
            let y = model(Tensor(shape: [1, 4], data: [1, 1, 1, 1]), context: ForwardContext(training: true, profile: p))
            let before = lin.weight.value.scalars
            sgd.zeroGrad()
            y.sum().backward()   // gradient 1 everywhere: SGD asks Δw = −1, i.e. Δŵ = −0.5 = 32 pulses, capped at 31
            p.beforeUpdate(sgd.parameters, noise: NoiseStream(seed: 1, step: 0))
            sgd.step()
            p.afterUpdate(sgd.parameters)
            return (before, lin.weight.value.scalars)
        }
        let (before, after) = try run()
        for (b, a) in zip(before, after) {
            let expected = 2 * (-1 + (Double(b) / 2 + 1) * Foundation.pow(1 - 0.015625, 31))
            XCTAssertEqual(Double(a), expected, accuracy: 1e-5)
        }
        XCTAssertEqual(try run().after, after)
    }

    // MARK: seeds, presets, documents

    /// The same chip seed and noise step give the same numbers; another chip seed other numbers.
    func testSameSeedsGiveTheSameNumbers() throws {
        let json = #"{"name": "t", "device": {"preset": "pcm", "drift": {"time": 86400}}, "summer": {"table": "ideal", "rails": 1}, "dac_bits": 8, "adc_bits": 8}"#
        var rng = RandomSource(seed: 1)
        let w = (0..<(16 * 8)).map { _ in rng.nextNormal() }
        let a = try readBack(try profile(json, chip: 3), w, out: 16, in: 8, step: 4)
        XCTAssertEqual(try readBack(try profile(json, chip: 3), w, out: 16, in: 8, step: 4), a)
        XCTAssertNotEqual(try readBack(try profile(json, chip: 4), w, out: 16, in: 8, step: 4), a)
        XCTAssertEqual(try profile(json, chip: 3).record.chipSeed, 3)
    }

    /// `chip_draws: step` gives every training step a chip of its own (the same again for the same
    /// step, as a resumed run needs), while evaluation and `fixed` read the chip of the chip seed.
    func testChipDrawsPerStep() throws {
        let device = #"{"preset": "pcm", "read_noise": {"kind": "polynomial", "coefficients": [0]}}"#
        let fixed = try profile(#"{"name": "t", "device": \#(device)}"#, chip: 3)
        let perStep = try profile(#"{"name": "t", "chip_draws": "step", "device": \#(device)}"#, chip: 3)
        var rng = RandomSource(seed: 2)
        let w = (0..<(16 * 8)).map { _ in rng.nextNormal() }
        func read(_ p: AnalogProfile, step: UInt64, training: Bool) throws -> [Float] {
            try readBack(p, w, out: 16, in: 8, step: step, training: training)
        }
        let chip = try read(fixed, step: 1, training: false)
        XCTAssertEqual(try read(fixed, step: 1, training: true), chip)
        XCTAssertEqual(try read(fixed, step: 2, training: true), chip)
        let one = try read(perStep, step: 1, training: true), two = try read(perStep, step: 2, training: true)
        XCTAssertNotEqual(one, chip)
        XCTAssertNotEqual(two, one)
        XCTAssertEqual(try read(perStep, step: 1, training: true), one)
        XCTAssertEqual(try read(perStep, step: 5, training: false), chip)
        // Each step's chip is a chip like the fixed one: the same programming error about the same weights.
        let spread = meanStd(zip(one, two).map { Double($0 - $1) }).std
        let spreadToChip = meanStd(zip(one, chip).map { Double($0 - $1) }).std
        XCTAssertGreaterThan(spread, 0)
        XCTAssertEqual(spread / spreadToChip, 1, accuracy: 0.3)
        XCTAssertThrowsError(try settings(#"{"name": "x", "chip_draws": "epoch", "device": {"preset": "pcm"}}"#)) { e in
            XCTAssertTrue("\(e)".contains("key 'chip_draws'"), "\(e)")
        }
        XCTAssertThrowsError(try settings(#"{"name": "x", "chip_draws": "step", "weight_noise": 0.1}"#)) { e in
            XCTAssertTrue("\(e)".contains("needs per-chip draws"), "\(e)")
        }
        XCTAssertThrowsError(try settings(#"{"name": "x", "chip_draws": "fixed", "weight_noise": 0.1}"#)) { e in
            XCTAssertTrue("\(e)".contains("needs per-chip draws"), "\(e)")
        }
    }

    /// Presets fill defaults; explicit keys override them, also inside drift and update; the
    /// resolved document re-reads to the same settings.
    func testPresetsFillDefaultsAndKeysOverride() throws {
        let s = try settings(#"{"name": "t", "device": {"preset": "pcm", "g_max": 5e-5, "drift": {"nu_mean": 0.03, "time": 60}}}"#)
        let d = try XCTUnwrap(s.device)
        XCTAssertEqual(d.gMax, 5e-5)
        XCTAssertEqual(d.levels, 256)
        XCTAssertEqual(d.drift?.nuMean, 0.03)
        XCTAssertEqual(d.drift?.t0, 20)
        XCTAssertEqual(d.drift?.nuStdRange, [0.008, 0.045])
        XCTAssertEqual(try settings(s.json()), s)
        for name in ["reram", "sonos", "pcm", "ecram"] {
            let b = try XCTUnwrap(AnalogSettings.builtin(name))
            XCTAssertEqual(b.device?.preset, name)
            XCTAssertEqual(b.adcBits, 8)
            XCTAssertNoThrow(try AnalogProfile(settings: b, tables: [:], path: name))
        }
        let ecram = try XCTUnwrap(AnalogSettings.builtin("ecram")?.device?.update)
        XCTAssertEqual(ecram.gammaDown, 0.5085)
    }

    /// Bad device keys and values are refused naming the file and the key.
    func testBadDeviceKeysAreRefused() throws {
        func expect(_ json: String, _ fragment: String, line: UInt = #line) {
            XCTAssertThrowsError(try settings(json), line: line) { e in
                XCTAssertTrue("\(e)".contains("test.json") && "\(e)".contains(fragment), "\(e)", line: line)
            }
        }
        expect(#"{"name": "x", "device": {"preset": "pcm", "g_maxx": 1}}"#, "unknown key 'device.g_maxx' (did you mean 'g_max'?)")
        expect(#"{"name": "x", "device": {"preset": "pcm", "drift": {"nu_men": 1}}}"#, "unknown key 'device.drift.nu_men' (did you mean 'nu_mean'?)")
        expect(#"{"name": "x", "device": {"preset": "reram", "update": {"kind": "soft-bounds", "dw_mn": 1}}}"#, "unknown key 'device.update.dw_mn'")
        expect(#"{"name": "x", "device": {"preset": "flash"}}"#, "key 'device.preset': unknown preset 'flash'")
        expect(#"{"name": "x", "device": {"levels": 4}}"#, "key 'device.g_max'")
        expect(#"{"name": "x", "device": {"preset": "pcm", "g_min": 1}}"#, "key 'device.g_min'")
        expect(#"{"name": "x", "device": {"preset": "pcm", "stuck_on": 1.5}}"#, "key 'device.stuck_on'")
        expect(#"{"name": "x", "device": {"preset": "pcm", "drift": {"compensation": "yes"}}}"#, "key 'device.drift.compensation'")
        expect(#"{"name": "x", "device": {"preset": "pcm", "programming": {"kind": "cubic"}}}"#, "key 'device.programming.kind'")
        expect(#"{"name": "x", "device": {"preset": "ecram", "update": {"kind": "exp-step"}}}"#, "key 'device.update.kind'")
    }
}
