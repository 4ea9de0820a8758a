import Foundation
import LinearAlgebra
import Netlist

/// `.noise v(out[,ref]) SRC dec|oct|lin N fstart fstop`: small-signal noise at the operating point,
/// as ngspice's `noise1` (spectral densities) and `noise2` (integrated totals) plots.
///
/// At each frequency `f` (the `.ac` frequencies) the circuit is linearised, `Y(ω) = G + jω·C`.
/// Every device generator `i` (`NoiseSource`: thermal `4kT·G`, shot `2q·|I|`, flicker `KF·I^AF/f`,
/// density `S_i(f)` in A²/Hz between nodes `a_i`, `b_i`) reaches the output through the transfer
/// impedance `Z_i = y` for `Y·z = e_{a_i b_i}` (1 A into `a_i` out of `b_i`), `y = z_out − z_ref`:
///
/// - `onoise_spectrum = √(Σ_i |Z_i|²·S_i(f))` (V/√Hz);
/// - `inoise_spectrum = onoise_spectrum / |A|` with `A` the gain from SRC (1 V or 1 A) to the output
///   (V/√Hz for a V source, A/√Hz for an I source).
///
/// The totals integrate each generator's output density `N_i(f) = |Z_i|²·S_i` from one frequency to
/// the next as a power law through both points, `N(f) = N_k·(f/f_k)^γ`,
/// `γ = ln(N_k/N_{k−1}) / ln(f_k/f_{k−1})`, `∫ = N_k·f_k/(γ+1)·(1 − (f_{k−1}/f_k)^{γ+1})`
/// (`N_k·f_k·ln(f_k/f_{k−1})` at `γ = −1`, `N_k·Δf` when flat); `onoise_total = √(Σ ∫)` (V). As
/// ngspice does, the input-referred total divides each interval's integral by the gain `|A|²` at
/// its upper frequency: `inoise_total = √(Σ_k Σ_i ∫_k N_i / |A(f_k)|²)`.
enum NoiseAnalysis {
    /// ngspice's floors: densities below `minimumLog` are taken as it before a logarithm; the gain
    /// is at least √`minimumGain`; a power law with `|γ| < flatSlope` is integrated as flat, one with
    /// `|γ + 1| < flatSlope` in the `ln` form (the power form cancels catastrophically there).
    static let minimumLog = 1e-38
    static let minimumGain = 1e-20
    static let flatSlope = 1e-10

    static func run(circuit: Circuit, output: OutputVariable, source: String, variation: ACVariation, points: Int,
                    start: Double, stop: Double, options: Options, names: (String, String), title: String,
                    location: String) throws -> [SimulationResult] {
        guard start > 0 else {
            throw SimulatorError.invalidAnalysis(
                card: ".noise", reason: "fstart must be above 0 Hz (flicker noise and the integration need f > 0)",
                location: location)
        }
        let (p, n) = try circuit.unknowns(of: output, card: ".noise", location: location)
        let input = try circuit.inputSource(source, card: ".noise", location: location)
        let freqs = try ACAnalysis.frequencies(variation: variation, points: points, start: start, stop: stop,
                                               reltol: options.reltol, analysis: names.0)
        let system = try SmallSignalSystem(circuit: circuit, options: options, name: names.0)
        let kelvin = options.temp + Physics.zeroCelsius
        let generators = circuit.devices.flatMap { device -> [NoiseGenerator] in
            (device as? any NoiseSource)?.noiseGenerators(x: system.x, state: system.buffer.state, kelvin: kelvin) ?? []
        }
        // Generators sharing a node pair share one solve per frequency.
        var pairs: [Pair: Int] = [:]
        var pairList: [Pair] = []
        let pairOf = generators.map { g -> Int in
            let key = Pair(a: g.a, b: g.b)
            if let k = pairs[key] { return k }
            pairs[key] = pairList.count
            pairList.append(key)
            return pairList.count - 1
        }

        var lu = ComplexDenseLU(dimension: system.dimension)
        var rows: [[Double]] = []
        rows.reserveCapacity(freqs.count)
        var previous: (frequency: Double, densities: [Double])?
        var outputTotal = 0.0, inputTotal = 0.0
        for f in freqs {
            try system.factor(omega: 2 * Double.pi * f, into: &lu, analysis: "\(names.0) at f = \(format(f)) Hz")
            func response(_ rhs: [ComplexDouble]) throws -> ComplexDouble {
                var z = rhs
                try lu.solve(&z)
                let a = SmallSignalSystem.value(z, p), b = SmallSignalSystem.value(z, n)
                return ComplexDouble(a.re - b.re, a.im - b.im)
            }
            let gain = try response(system.unitExcitation(source: input))
            let inverseGain = 1 / max(gain.re * gain.re + gain.im * gain.im, minimumGain)
            var transfer: [Double] = []
            transfer.reserveCapacity(pairList.count)
            for pair in pairList {
                let z = try response(system.unitCurrent(into: pair.a, from: pair.b))
                transfer.append(z.re * z.re + z.im * z.im)
            }
            let densities = generators.indices.map { transfer[pairOf[$0]] * generators[$0].density(at: f) }
            let total = densities.reduce(0, +)
            rows.append([f, total.squareRoot(), (total * inverseGain).squareRoot()])
            if let previous {
                var interval = 0.0
                for (k, density) in densities.enumerated() {
                    interval += integrate(from: previous.frequency, previous.densities[k], to: f, density)
                }
                outputTotal += interval
                inputTotal += interval * inverseGain
            }
            previous = (f, densities)
        }
        let spectrum = SimulationResult(
            name: names.0, plotName: "Noise Spectral Density Curves", title: title,
            variables: ["frequency", "onoise_spectrum", "inoise_spectrum"], rows: rows,
            newtonIterations: system.iterations)
        let integrated = SimulationResult(
            name: names.1, plotName: "Integrated Noise", title: title, variables: ["onoise_total", "inoise_total"],
            rows: [[outputTotal.squareRoot(), inputTotal.squareRoot()]], newtonIterations: 0)
        return [spectrum, integrated]
    }

    /// `∫ N df` from `f0` to `f1` of the power law through `(f0, n0)` and `(f1, n1)` (densities
    /// floored at `minimumLog` for the exponent).
    static func integrate(from f0: Double, _ n0: Double, to f1: Double, _ n1: Double) -> Double {
        let lnF0 = log(f0), lnF1 = log(f1)
        let lnN0 = log(max(n0, minimumLog)), lnN1 = log(max(n1, minimumLog))
        var exponent = (lnN1 - lnN0) / (lnF1 - lnF0)
        if abs(exponent) < flatSlope { return n1 * (f1 - f0) }
        let a = exp(lnN1 - exponent * lnF1)
        exponent += 1
        if abs(exponent) < flatSlope { return a * (lnF1 - lnF0) }
        return a * (exp(exponent * lnF1) - exp(exponent * lnF0)) / exponent
    }

    /// A generator's node pair.
    struct Pair: Hashable {
        var a: Int
        var b: Int
    }
}
