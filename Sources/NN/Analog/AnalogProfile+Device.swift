import Foundation
import Tensor

/// The resistive device of a profile (`device`): the weights as conductance pairs, per chip
/// programming error, stuck cells and drift exponents, per-forward read noise, drift compensation
/// and pulsed updates. `DeviceSettings` states the model.
extension AnalogProfile {
    /// One chip's draws for one layer, fixed per `--chip-seed` and label: standard normals of the
    /// programming error and of ν for each device of each pair, and which devices are stuck
    /// (0 working, 1 stuck at `G_min`, 2 stuck at `G_max`).
    struct DeviceDraws {
        var programming: [(plus: Float, minus: Float)]
        var nu: [(plus: Float, minus: Float)]
        var stuck: [(plus: UInt8, minus: UInt8)]
    }

    /// Weights snapshotted before an optimizer step, for the pulsed update after it.
    struct PendingUpdate {
        var before: [String: [Float]]
        var noise: NoiseStream
    }

    /// The calibrated largest weight magnitude per output, `w_max = 2hW/s_w` (maps to `G_max`).
    func weightMaxima(_ scales: Scales) -> [Float] {
        let limit = 2 * headroom * mac!.wHalf
        return scales.weight.map { limit / $0 }
    }

    /// This chip's draws for the layer `label` with `count` weights (a fresh chip per training step
    /// under `chip_draws: step`).
    func deviceDraws(label: String, count: Int, context: ForwardContext) -> DeviceDraws {
        var (rng, fixed) = chipRandom(label + "/device", context)
        if fixed, let d = state.withLock({ $0.deviceDraws[label] }), d.programming.count == count { return d }
        let device = settings.device!
        let on = Float(device.stuckOn ?? 0), off = Float(device.stuckOff ?? 0)
        func stuck() -> UInt8 {
            let u = rng.nextUniform()
            return u < off ? 1 : (u < off + on ? 2 : 0)
        }
        var draws = DeviceDraws(programming: [], nu: [], stuck: [])
        draws.programming.reserveCapacity(count); draws.nu.reserveCapacity(count); draws.stuck.reserveCapacity(count)
        for _ in 0..<count {
            draws.programming.append((rng.nextNormal(), rng.nextNormal()))
            draws.nu.append((rng.nextNormal(), rng.nextNormal()))
            draws.stuck.append((stuck(), stuck()))
        }
        if fixed { state.withLock { $0.deviceDraws[label] = draws } }
        return draws
    }

    /// The conductance (S) one device of a pair reads for the normalised magnitude `a ∈ [0, 1]`:
    /// levels, programming error, stuck cells and drift to `time` (steps 1–4 of `DeviceSettings`);
    /// read noise is added by the caller.
    func conductance(_ a: Double, programming xi: Float, nu nuXi: Float, stuck: UInt8, time: Double) -> Double {
        let d = settings.device!
        let gMin = d.gMin ?? 0, gMax = d.gMax!, range = gMax - gMin
        var target = gMin + range * min(max(a, 0), 1)
        if let levels = d.levels {
            let step = range / Double(levels - 1)
            target = gMin + step * ((target - gMin) / step).rounded()
        }
        var g = target
        if let p = d.programming { g = max(0, g + p.sigma(target, gMax: gMax) * Double(xi)) }
        if stuck == 1 { g = gMin } else if stuck == 2 { g = gMax }
        if let drift = d.drift, time > 0 {
            g *= drift.factor(nu: drift.nu(stuck == 0 ? target : g, gMax: gMax, xi: Double(nuXi)), time: time)
        }
        return g
    }

    /// The weights as the crossbar reads them, `w̃ = (G⁺ − G⁻)·w_max/(G_max − G_min)`, at the
    /// profile's drift time with this pass's read noise (gradient: straight-through to `w`), and
    /// the drift compensation's scale per output (nil: none).
    func deviceWeight(_ w: Tensor, label: String, scales: Scales, context: ForwardContext) -> (weight: Tensor, compensation: [Float]?) {
        let d = settings.device!
        let gMax = d.gMax!, gMin = d.gMin ?? 0, range = gMax - gMin
        let time = d.drift?.time ?? 0, t0 = d.drift?.t0 ?? 20
        let values = w.detached().scalars, out = w.shape[0], per = max(values.count / max(out, 1), 1)
        let maxima = weightMaxima(scales)
        let draws = deviceDraws(label: label, count: values.count, context: context)
        var rng = context.noise.generator(for: label + "/device-read")
        var chipRng = RandomSource(seed: chipSeed, stream: NoiseStream.fnv1a(label + "/compensation"))
        let compensating = (d.drift?.compensation ?? "none") != "none" && time > 0
        func read(_ g: Double, _ t: Double, _ r: inout RandomSource) -> Double {
            guard let noise = d.readNoise else { return g }
            return max(0, g + noise.sigma(g, gMax: gMax, time: t, t0: t0) * Double(r.nextNormal()))
        }
        var result = [Float](repeating: 0, count: values.count)
        var reference = [Double](repeating: 0, count: out), drifted = reference
        for k in 0..<values.count {
            let o = k / per, wmax = Double(maxima[o])
            let a = Double(values[k]) / wmax
            let (xp, xm) = draws.programming[k], (np, nm) = draws.nu[k], (sp, sm) = draws.stuck[k]
            let gp = conductance(a, programming: xp, nu: np, stuck: sp, time: time)
            let gm = conductance(-a, programming: xm, nu: nm, stuck: sm, time: time)
            result[k] = Float((read(gp, time, &rng) - read(gm, time, &rng)) / range * wmax)
            if compensating {
                // The one-hot reference readouts after programming and at t (aihwkit's eye input).
                let p0 = conductance(a, programming: xp, nu: np, stuck: sp, time: 0)
                let m0 = conductance(-a, programming: xm, nu: nm, stuck: sm, time: 0)
                reference[o] += abs(read(p0, 0, &chipRng) - read(m0, 0, &chipRng))
                drifted[o] += abs(read(gp, time, &chipRng) - read(gm, time, &chipRng))
            }
        }
        var alpha: [Float]? = nil
        if compensating {
            if d.drift?.compensation == "column" {
                alpha = (0..<out).map { Float(reference[$0] / max(drifted[$0], 1e-30)) }
            } else {
                let a = Float(reference.reduce(0, +) / max(drifted.reduce(0, +), 1e-30))
                alpha = Array(repeating: a, count: out)
            }
        }
        let read = Tensor(shape: w.shape, data: result)
        return (w + (read - w.detached()), alpha)
    }

    /// Snapshots the device layers' weights before the optimizer's step (pulsed updates).
    public func beforeUpdate(_ parameters: [Parameter], noise: NoiseStream) {
        guard settings.device?.update != nil, mac != nil else { return }
        let known = state.withLock { $0.scales }
        var before = [String: [Float]]()
        for p in parameters where known[Self.key(p)] != nil { before[Self.key(p)] = p.value.scalars }
        state.withLock { $0.pendingUpdate = PendingUpdate(before: before, noise: noise) }
    }

    /// Replaces the optimizer's step `Δw` of each device layer by the device's pulsed response
    /// (`PulsedUpdate`), in units of the layer's `w_max`.
    func applyPulsedUpdates(_ parameters: [Parameter]) {
        guard let update = settings.device?.update,
              let pending = state.withLock({ s -> PendingUpdate? in defer { s.pendingUpdate = nil }; return s.pendingUpdate })
        else { return }
        let scales = state.withLock { $0.scales }
        for p in parameters {
            let label = Self.key(p)
            guard let old = pending.before[label], let s = scales[label], old.count == p.value.count else { continue }
            let maxima = weightMaxima(s), per = max(old.count / max(maxima.count, 1), 1)
            var rng = pending.noise.generator(for: label + "/pulse")
            p.update { w, _ in
                for k in 0..<w.count {
                    let wmax = Double(maxima[k / per])
                    let delta = Double(w[k] - old[k]) / wmax
                    let n = update.pulses(for: delta, uniform: Double(rng.nextUniform()))
                    let start = Double(old[k]) / wmax
                    w[k] = Float(update.apply(pulses: n, up: delta > 0, to: start) { rng.nextGaussian() } * wmax)
                }
            }
        }
    }
}
