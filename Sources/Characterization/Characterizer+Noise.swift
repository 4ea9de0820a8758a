import Foundation
import Netlist
import Simulator

/// A read-noise measurement: the bandwidth `[f1, f2]` (Hz, `0 < f1 < f2`) the output noise is
/// integrated over (`noise=f1:f2` in the cell header). With `noise=f1` the upper limit is the
/// bandwidth of one read, `f2 = 1/(2·t_s)` (the Nyquist frequency of reading once per settling
/// time `t_s`), from the step measurement (`tstop=`).
public struct NoiseSpec: Sendable, Equatable {
    /// `[f1, f2]`; with `upperFromSettling` the upper bound is replaced by `1/(2·t_s)`.
    public var bandwidth: ClosedRange<Double>
    /// Frequency points per decade of the `.noise` run.
    public var pointsPerDecade: Int
    /// `noise=f1`: f2 is `1/(2·t_s)` from the measured settling time.
    public var upperFromSettling: Bool

    public init(bandwidth: ClosedRange<Double>, pointsPerDecade: Int = 20, upperFromSettling: Bool = false) {
        self.bandwidth = bandwidth
        self.pointsPerDecade = pointsPerDecade
        self.upperFromSettling = upperFromSettling
    }

    /// The bandwidth to integrate over, given the measured settling time (s; nil: not measured).
    public func resolved(settlingTime: Double?, origin: String) throws -> ClosedRange<Double> {
        guard upperFromSettling else { return bandwidth }
        guard let ts = settlingTime, ts > 0, ts.isFinite else {
            throw CharacterizationError.badSpec(
                origin: origin,
                reason: "noise=f1 integrates up to 1/(2·t_s), which needs the settling time: add tstop= to the header, or give noise=f1:f2")
        }
        let f2 = 1 / (2 * ts)
        guard f2 > bandwidth.lowerBound else {
            throw CharacterizationError.badSpec(
                origin: origin, reason: "noise=\(bandwidth.lowerBound): f1 is above 1/(2·t_s) = \(f2) Hz")
        }
        return bandwidth.lowerBound...f2
    }
}

extension Characterizer {
    /// The read noise `σ = √(∫_{f1}^{f2} S_out(f) df)` (V rms; A rms for an `i(v)` output) of the
    /// cell at its operating point with every swept input at the middle of its grid: one `.noise`
    /// (`dec`, `pointsPerDecade`) from f1 to the first decade point `f1·10^(k/N)` at or above f2,
    /// with the first input as the noise input; the output density `S = onoise_spectrum²` is
    /// integrated between points as a power law `S_a·(f/f_a)^γ` and the last segment is cut at f2,
    /// so the band is exactly `[f1, f2]` and σ² is exact for densities of that form between points.
    public func measureReadNoise(_ noise: NoiseSpec) throws -> Double {
        var deck = self.deck
        for axis in spec.inputs {
            guard let k = deck.elements.firstIndex(where: { $0.name == axis.source }) else {
                throw CharacterizationError.badSpec(origin: spec.netlistPath, reason: "no source '\(axis.source)'")
            }
            let grid = axis.grid
            Self.setSource(&deck, k, to: grid[grid.count / 2])
        }
        let output: OutputVariable
        let label = spec.output
        if label.hasPrefix("v("), label.hasSuffix(")") {
            let nodes = label.dropFirst(2).dropLast().split(separator: ",").map(String.init)
            output = .voltage(nodes[0], nodes.count > 1 ? nodes[1] : "0")
        } else {
            throw CharacterizationError.badSpec(
                origin: spec.netlistPath, reason: "noise= needs a voltage output v(NODE), not '\(label)'")
        }
        let location = SourceLocation(file: spec.netlistPath, line: 1, column: 1)
        let f1 = noise.bandwidth.lowerBound, f2 = noise.bandwidth.upperBound
        let perDecade = Double(noise.pointsPerDecade)
        let steps = max(1, (perDecade * log10(f2 / f1) * (1 - 1e-12)).rounded(.up))
        deck.analyses = [
            Analysis(
                kind: .noise(output: output, source: spec.inputs[0].source, variation: .decade,
                             points: noise.pointsPerDecade, start: f1, stop: f1 * pow(10, steps / perDecade)),
                location: location)
        ]
        let results: [SimulationResult]
        do {
            results = try Simulation(deck: deck).run()
        } catch {
            throw CharacterizationError.simulationFailed(cell: spec.name, reason: "read noise: \(error)")
        }
        guard let densities = results.first, let f = densities.column("frequency"),
            let spectrum = densities.column("onoise_spectrum"), f.count == spectrum.count, f.count >= 2
        else {
            throw CharacterizationError.simulationFailed(cell: spec.name, reason: "read noise: no onoise_spectrum")
        }
        let sigma = Self.integratePowerLaw(frequencies: f, densities: spectrum.map { $0 * $0 }, upTo: f2).squareRoot()
        guard sigma.isFinite else {
            throw CharacterizationError.simulationFailed(cell: spec.name, reason: "read noise: not finite")
        }
        return sigma
    }

    /// `∫ S df` from the first frequency to `upTo` (≤ the last), `S` a power law between points:
    /// `∫_u^v S_a·(f/f_a)^γ df = S_a·f_a·((v/f_a)^(γ+1) − (u/f_a)^(γ+1))/(γ+1)` with
    /// `γ = ln(S_b/S_a)/ln(f_b/f_a)` (`S_a·f_a·ln(v/u)` at γ = −1; the trapezoid where a density is 0).
    static func integratePowerLaw(frequencies f: [Double], densities s: [Double], upTo limit: Double) -> Double {
        var total = 0.0
        for k in 0..<(f.count - 1) where f[k] < limit {
            let a = f[k], b = f[k + 1], v = min(b, limit)
            guard s[k] > 0, s[k + 1] > 0, b > a else {
                total += (v - a) * (s[k] + (s[k + 1] - s[k]) * (v - a) / (2 * (b - a)))
                continue
            }
            let gamma = log(s[k + 1] / s[k]) / log(b / a)
            let exponent = gamma + 1
            if abs(exponent) < 1e-9 {
                total += s[k] * a * log(v / a)
            } else {
                let rise: Double = pow(v / a, exponent) - 1
                total += s[k] * a * rise / exponent
            }
        }
        return total
    }
}
