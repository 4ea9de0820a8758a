import Netlist
import Simulator

/// A read-noise measurement: the bandwidth `[f1, f2]` (Hz, `0 < f1 < f2`) the output noise is
/// integrated over (`noise=f1:f2` in the cell header).
public struct NoiseSpec: Sendable, Equatable {
    public var bandwidth: ClosedRange<Double>
    /// Frequency points per decade of the `.noise` run.
    public var pointsPerDecade: Int

    public init(bandwidth: ClosedRange<Double>, pointsPerDecade: Int = 20) {
        self.bandwidth = bandwidth
        self.pointsPerDecade = pointsPerDecade
    }
}

extension Characterizer {
    /// The read noise `σ = √(∫_{f1}^{f2} S_out(f) df)` (V rms; A rms for an `i(v)` output) of the
    /// cell at its operating point with every swept input at the middle of its grid: one `.noise`
    /// (`dec`, `pointsPerDecade`) from f1 to f2 with the first input as the noise input, and its
    /// `onoise_total` (the sweep's last point is the last `f1·10^(k/N)` not above f2, within reltol).
    /// Per-source densities are integrated between points as power laws (see
    /// `Simulator`'s `.noise`), so σ² is exact for densities of the form `A·f^γ` between points.
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
        deck.analyses = [
            Analysis(
                kind: .noise(output: output, source: spec.inputs[0].source, variation: .decade,
                             points: noise.pointsPerDecade, start: noise.bandwidth.lowerBound,
                             stop: noise.bandwidth.upperBound),
                location: location)
        ]
        let results: [SimulationResult]
        do {
            results = try Simulation(deck: deck).run()
        } catch {
            throw CharacterizationError.simulationFailed(cell: spec.name, reason: "read noise: \(error)")
        }
        guard let sigma = results.last?.value("onoise_total"), sigma.isFinite else {
            throw CharacterizationError.simulationFailed(cell: spec.name, reason: "read noise: no onoise_total")
        }
        return sigma
    }
}
