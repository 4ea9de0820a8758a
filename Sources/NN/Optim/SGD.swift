import Tensor

/// Stochastic gradient descent with momentum, Nesterov and weight decay (PyTorch `torch.optim.SGD`).
///
/// Per parameter p with gradient g: `d = g + wd·p`; with momentum μ the buffer is `b = d` on the
/// first step, then `b = μ·b + (1 − dampening)·d`; Nesterov uses `d = d + μ·b`, otherwise `d = b`;
/// finally `p = p − lr·d`.
public struct SGD: Sendable {
    public var config: SGDConfig
    public let parameters: [Parameter]
    /// Momentum buffers, one per parameter (nil until its first step).
    public var momentumBuffers: [[Float]?]

    public init(parameters: [Parameter], config: SGDConfig) {
        self.parameters = parameters; self.config = config
        momentumBuffers = Array(repeating: nil, count: parameters.count)
    }

    /// Applies one update from the accumulated gradients (parameters without one are skipped).
    ///
    /// With `updateNoise` σ > 0 each element's update is multiplied by `1 + σ·n`, `n ~ N(0, 1)`
    /// drawn from `noise` at the site `LABEL/update` (`GaussianNoise`; the seed's gradient-step
    /// noise; it stays in the stored weights).
    public mutating func step(updateNoise: Float = 0, noise: NoiseStream? = nil) {
        if updateNoise > 0, let noise {
            let before = parameters.map(\.value.scalars)
            step()
            for (i, p) in parameters.enumerated() where p.grad != nil {
                let n = GaussianNoise.samples(p.value.shape, sigma: updateNoise, noise: noise, site: p.label + "/update").scalars
                let old = before[i]
                p.update { w, _ in
                    for k in 0..<w.count { w[k] += (w[k] - old[k]) * n[k] }
                }
            }
            return
        }
        step()
    }

    /// Applies one update from the accumulated gradients (parameters without one are skipped).
    public mutating func step() {
        let lr = Float(config.learningRate), mu = Float(config.momentum), wd = Float(config.weightDecay)
        let damp = Float(config.dampening), nesterov = config.nesterov
        for (i, p) in parameters.enumerated() {
            guard p.grad != nil else { continue }
            var buffer = momentumBuffers[i]
            p.update { w, gOpt in
                guard let g = gOpt else { return }
                let n = w.count
                if mu != 0 {
                    if buffer == nil {
                        var b = [Float](repeating: 0, count: n)
                        for k in 0..<n { b[k] = g[k] + wd * w[k] }
                        buffer = b
                    } else {
                        buffer!.withUnsafeMutableBufferPointer { b in
                            for k in 0..<n { b[k] = mu * b[k] + (1 - damp) * (g[k] + wd * w[k]) }
                        }
                    }
                    buffer!.withUnsafeBufferPointer { b in
                        if nesterov {
                            for k in 0..<n { w[k] -= lr * ((g[k] + wd * w[k]) + mu * b[k]) }
                        } else {
                            for k in 0..<n { w[k] -= lr * b[k] }
                        }
                    }
                } else {
                    for k in 0..<n { w[k] -= lr * (g[k] + wd * w[k]) }
                }
            }
            momentumBuffers[i] = buffer
        }
    }

    /// Clears every parameter's gradient.
    public func zeroGrad() { for p in parameters { p.zeroGrad() } }
}
