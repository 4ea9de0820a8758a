import Foundation
import Tensor
import TestSupport
import TransferCurves
import XCTest
@testable import NN

/// The analog profile against independent computations: digital arithmetic for the ideal
/// profile, a brute-force sum of table look-ups for a characterised cell, finite differences for
/// its gradients, and sampling statistics for its noise and mismatch.
final class AnalogProfileTests: XCTestCase {
    private func tensor(_ shape: [Int], seed: UInt64, scale: Float = 1) -> Tensor {
        var rng = RandomSource(seed: seed)
        return Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in scale * rng.nextNormal() })
    }

    private func settings(_ json: String) throws -> AnalogSettings {
        try AnalogSettings(json: Data(json.utf8), path: "test.json")
    }

    /// A 2-D cell table `f(x, w) = tanh(2x)·(w − 0.5) + 0.3·x²` on x ∈ [−1, 1] (21 points),
    /// w ∈ [0, 2] (11 points): rank 2, nonlinear in both inputs.
    static func cellTable(monteCarlo: Bool = false, energy: Double? = nil) throws -> LookupTable {
        let xs = (0...20).map { -1 + Double($0) * 0.1 }, ws = (0...10).map { Double($0) * 0.2 }
        func f(_ x: Double, _ w: Double) -> Double { Foundation.tanh(2 * x) * (w - 0.5) + 0.3 * x * x }
        let values = xs.flatMap { x in ws.map { f(x, $0) } }
        let fit = try SeparableFit.fit(x: xs, w: ws, values: values, target: 1e-9)
        let mc = monteCarlo ? MonteCarloStatistics(
            instances: 4, failedInstances: 0, seed: 1, tolerances: ["r": 0.01], mean: values,
            standardDeviation: values.map { _ in 0.01 }, gain: [0.9, 1.0, 1.05, 1.2], offset: [0.01, 0, -0.02, 0.03],
            residual: [0, 0, 0, 0]) : nil
        return try LookupTable(
            provenance: Provenance(cell: "test", netlistPath: "test.cir", netlistSHA256: "00", temperature: 27, grid: "",
                                   kelvinVersion: "test", date: "2026-12-04"),
            axes: [Axis(name: "vx", unit: "V", values: xs), Axis(name: "vw", unit: "V", values: ws)],
            output: Quantity(name: "v(out)", unit: "V"), values: values, monteCarlo: mc,
            dynamics: energy.map { Dynamics(energyPerOperation: $0) }, separableFit: fit)
    }

    // MARK: ideal

    /// The ideal profile reproduces digital conv, linear and a ResNet block, forward and
    /// gradients, within 1e-5 relative.
    func testIdealProfileReproducesDigital() throws {
        let profile = try AnalogProfile(settings: try XCTUnwrap(AnalogSettings.builtin("ideal")), tables: [:], path: "ideal")
        var rng = RandomSource(seed: 5)
        let block = BasicBlock(inChannels: 3, planes: 6, stride: 2, rng: &rng)
        let cnn = try Model(.cnn(inputChannels: 3, height: 8, width: 8, classes: 5, channels: 3), seed: 4)
        for (name, model) in [("cnn", cnn as any Layer), ("basic block", block)] {
            let x = tensor([4, 3, 8, 8], seed: 9)
            func run(_ p: any ExecutionProfile) -> (out: [Float], grads: [[Float]]) {
                model.zeroGrad()
                let y = model(x, context: ForwardContext(training: true, profile: p))
                (y * tensor(y.shape, seed: 10)).sum().backward()
                return (y.scalars, model.parameters.map { $0.grad?.scalars ?? [] })
            }
            let digital = run(DigitalProfile()), analog = run(profile)
            assertRelative(analog.out, digital.out, 1e-5, name)
            for (a, d) in zip(analog.grads, digital.grads) { assertRelative(a, d, 1e-5, name + " gradient") }
        }
    }

    private func assertRelative(_ a: [Float], _ b: [Float], _ tolerance: Float, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, file: file, line: line)
        let scale = b.reduce(0) { max($0, abs($1)) }
        let worst = zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
        XCTAssertLessThanOrEqual(worst, tolerance * max(scale, 1e-12), "\(what): worst \(worst) of scale \(scale)", file: file, line: line)
    }

    // MARK: a characterised cell

    /// A conv layer through the table equals the brute-force sum of every product through the
    /// table's bilinear interpolant (full rank: the separable fit is that interpolant exactly).
    func testConvEqualsBruteForceTableSum() throws {
        let table = try Self.cellTable()
        let profile = try AnalogProfile(settings: try settings(#"{"name": "t", "mac": {"table": "cell"}}"#),
                                        tables: ["cell": table], path: "t.json")
        let conv = try Model(.conv2d(in: 2, out: 3, kernel: 3, stride: 1, padding: 1, bias: true), seed: 2)
        let c = try XCTUnwrap(conv.network as? Conv2d)
        c.bias!.assign(Tensor(shape: [3], data: [0.1, -0.2, 0.3]))
        let x = tensor([2, 2, 5, 5], seed: 3)
        let y = conv(x, context: ForwardContext(training: false, profile: profile))
        // The reference, from the profile's calibrated scales and the table's own interpolant.
        let cell = try XCTUnwrap(profile.mac), s = try XCTUnwrap(profile.stateArrays.first?.values)
        let sx = s[0], beta = s[1], sw = s[2]
        let surface = try XCTUnwrap(table.surface)
        func f(_ x: Float, _ w: Float) -> Double { surface(Double(x), Double(w)) }
        let w = c.weight.value.scalars, xv = x.scalars
        var worst = 0.0
        for n in 0..<2 { for o in 0..<3 { for i in 0..<5 { for j in 0..<5 {
            var sum = 0.0
            for ci in 0..<2 { for ky in 0..<3 { for kx in 0..<3 {
                let yy = i + ky - 1, xx = j + kx - 1
                guard yy >= 0, yy < 5, xx >= 0, xx < 5 else { continue }
                let xin = cell.xCenter + sx * xv[((n * 2 + ci) * 5 + yy) * 5 + xx]
                let wk = w[((o * 2 + ci) * 3 + ky) * 3 + kx] * sw / 2
                let wp = cell.wCenter + wk, wm = cell.wCenter - wk
                sum += (f(xin, wp) - f(cell.xCenter, wp)) - (f(xin, wm) - f(cell.xCenter, wm))
            }}}
            let expected = sum / Double(cell.kappa * beta * sx * sw) + [0.1, -0.2, 0.3][o]
            worst = max(worst, abs(expected - Double(y.scalars[((n * 3 + o) * 5 + i) * 5 + j])))
        }}}}
        XCTAssertLessThan(worst, 1e-4)
        // The cell is nonlinear: the analog result is not the digital one.
        let digital = conv(x).scalars
        XCTAssertGreaterThan(zip(digital, y.scalars).map { abs($0 - $1) }.max() ?? 0, 1e-2)
    }

    /// At a reduced rank the layer stays within the fit's stated error of the full result.
    func testReducedRankWithinFitError() throws {
        let table = try Self.cellTable()
        let full = try AnalogProfile(settings: try settings(#"{"name": "t", "mac": {"table": "cell"}}"#), tables: ["cell": table], path: "t")
        XCTAssertThrowsError(try AnalogProfile(settings: try settings(#"{"name": "t", "mac": {"table": "cell", "rank": 1, "fit_tolerance": 0.001}}"#),
                                               tables: ["cell": table], path: "t.json")) { e in
            let text = "\(e)"
            XCTAssertTrue(text.contains("t.json") && text.contains("rank 1") && text.contains("0.001"), text)
        }
        let one = try AnalogProfile(settings: try settings(#"{"name": "t", "mac": {"table": "cell", "rank": 1, "fit_tolerance": 0.5}}"#),
                                    tables: ["cell": table], path: "t")
        XCTAssertEqual(one.mac?.rank, 1)
        let layer = try Model(.linear(in: 6, out: 2, bias: false), seed: 1)
        let x = tensor([4, 6], seed: 5, scale: 0.5)
        let a = layer(x, context: ForwardContext(training: false, profile: full)).scalars
        let b = layer(x, context: ForwardContext(training: false, profile: one)).scalars
        // Per product, the rank-1 fit is within maxAbsoluteError; 6 inputs × 2 cells per output.
        let fit1 = try SeparableFit.fit(x: table.axes[0].values, w: table.axes[1].values, values: table.values, target: 0, maxRank: 1)
        let s = one.stateArrays[0].values
        let bound = Float(fit1.maxAbsoluteError) * 4 * 6 / abs(one.mac!.kappa * s[1] * s[0] * s[2])
        for (p, q) in zip(a, b) { XCTAssertLessThanOrEqual(abs(p - q), bound) }
    }

    /// Gradients through the table match finite differences (inputs and weights).
    func testAnalogGradientsMatchFiniteDifferences() throws {
        let profile = try AnalogProfile(settings: try settings(#"{"name": "t", "mac": {"table": "cell"}}"#),
                                        tables: ["cell": try Self.cellTable()], path: "t")
        let layer = try Model(.linear(in: 5, out: 3, bias: true), seed: 7)
        let lin = try XCTUnwrap(layer.network as? Linear)
        let x0 = tensor([2, 5], seed: 8, scale: 0.6)
        let context = ForwardContext(training: true, profile: profile)
        _ = layer(x0, context: context)  // calibrates
        let probe = tensor([2, 3], seed: 9)
        func loss(_ x: Tensor) -> Tensor { (layer(x, context: context) * probe).sum() }
        var x = x0
        x.requiresGrad = true
        layer.zeroGrad()
        loss(x).backward()
        let gx = try XCTUnwrap(x.grad).scalars, gw = try XCTUnwrap(lin.weight.grad).scalars
        let numericX = numericalGradient(at: x0.scalars, step: 1e-3) { v in
            Double(noGrad { loss(Tensor(shape: [2, 5], data: v)).scalar })
        }
        assertGradientsMatch(analytic: gx, numeric: numericX, relative: 2e-2, absolute: 2e-3, "input")
        let w0 = lin.weight.value.scalars
        let numericW = numericalGradient(at: w0, step: 1e-3) { v in
            lin.weight.assign(Tensor(shape: [3, 5], data: v))
            return Double(noGrad { loss(x0).scalar })
        }
        lin.weight.assign(Tensor(shape: [3, 5], data: w0))
        assertGradientsMatch(analytic: gw, numeric: numericW, relative: 2e-2, absolute: 2e-3, "weight")
    }

    // MARK: noise, mismatch, converters

    /// Read noise at the column outputs has the stated σ (in volts, so σ/(κβ·s_x·s_w) in output
    /// units), fresh per step and the same for the same (seed, step).
    func testReadNoiseStatistics() throws {
        let sigma: Float = 0.01
        let profile = try AnalogProfile(settings: try settings(#"{"name": "t", "mac": {"table": "ideal"}, "read_noise": 0.01}"#), tables: [:], path: "t")
        let layer = try Model(.linear(in: 8, out: 16, bias: false), seed: 1)
        let x = tensor([64, 8], seed: 2)
        func run(_ step: UInt64) -> [Float] {
            layer(x, context: ForwardContext(training: false, profile: profile, noise: NoiseStream(seed: 3, step: step))).scalars
        }
        let a = run(1), b = run(2)
        XCTAssertEqual(run(1), a)
        let s = profile.stateArrays[0].values
        let expected = sigma / (s[0] * s[1] * s[2])
        let diffs = zip(a, b).map { Double($0 - $1) }
        let std = (diffs.reduce(0) { $0 + $1 * $1 } / Double(diffs.count)).squareRoot() / 2.0.squareRoot()
        // 1024 samples: the sample σ is within ±3·σ/√(2n) ≈ ±6.6 % of the true one.
        XCTAssertEqual(std, Double(expected), accuracy: 0.066 * Double(expected))
    }

    /// Weight noise perturbs each training step's weights by a relative σ and leaves the stored ones.
    func testWeightNoiseStatistics() throws {
        let profile = try AnalogProfile(settings: try XCTUnwrap(AnalogSettings.builtin("yan-noise")), tables: [:], path: "yan")
        let layer = try Model(.linear(in: 32, out: 32, bias: false), seed: 1)
        let lin = try XCTUnwrap(layer.network as? Linear)
        let stored = lin.weight.value.scalars
        var identity = [Float](repeating: 0, count: 32 * 32)
        for i in 0..<32 { identity[i * 33] = 1 }
        let y = layer(Tensor(shape: [32, 32], data: identity), context: ForwardContext(training: true, profile: profile, noise: NoiseStream(seed: 1, step: 5)))
        // y[i][o] = w'[o][i]
        var ratios = [Double]()
        for o in 0..<32 { for i in 0..<32 { ratios.append(Double(y.scalars[i * 32 + o] / stored[o * 32 + i] - 1)) } }
        let std = (ratios.reduce(0) { $0 + $1 * $1 } / Double(ratios.count)).squareRoot()
        XCTAssertEqual(std, 1e-3, accuracy: 3 * 1e-3 / (2 * Double(ratios.count)).squareRoot() + 1e-6)
        XCTAssertEqual(lin.weight.value.scalars, stored)
        // Evaluation sees the stored weights.
        let eval = layer(Tensor(shape: [32, 32], data: identity), context: ForwardContext(training: false, profile: profile))
        XCTAssertEqual(eval.scalars[1], stored[32])
    }

    /// Update noise multiplies each step's update by (1 + σ·N(0, 1)).
    func testUpdateNoiseStatistics() throws {
        let p = Parameter(Tensor(shape: [4096], data: [Float](repeating: 1, count: 4096)))
        p.label = "w"
        var sgd = SGD(parameters: [p], config: SGDConfig(learningRate: 0.1))
        (p.value * Tensor(shape: [4096], data: [Float](repeating: 2, count: 4096))).sum().backward()
        sgd.step(updateNoise: 0.05, noise: NoiseStream(seed: 1, step: 0))
        let ratios = p.value.scalars.map { Double((1 - $0) / 0.2) - 1 }   // Δ = −0.1·2 = −0.2 nominal
        let mean = ratios.reduce(0, +) / Double(ratios.count)
        let std = (ratios.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(ratios.count - 1)).squareRoot()
        XCTAssertEqual(mean, 0, accuracy: 3 * 0.05 / 64)
        XCTAssertEqual(std, 0.05, accuracy: 3 * 0.05 / (2 * 4096.0).squareRoot())
    }

    /// One chip: fixed per seed, different across seeds, each cell's gain one of the table's instances.
    func testMismatchIsFixedPerChip() throws {
        let table = try Self.cellTable(monteCarlo: true)
        func profile(_ chip: UInt64) throws -> AnalogProfile {
            try AnalogProfile(settings: try settings(#"{"name": "t", "mac": {"table": "cell"}, "mismatch": true}"#),
                              tables: ["cell": table], chipSeed: chip, path: "t")
        }
        let layer = try Model(.linear(in: 6, out: 4, bias: false), seed: 3)
        let x = tensor([5, 6], seed: 4, scale: 0.5)
        let a1 = try profile(1), a2 = try profile(1), b = try profile(2)
        func run(_ p: AnalogProfile) -> [Float] { layer(x, context: ForwardContext(training: false, profile: p)).scalars }
        XCTAssertEqual(run(a1), run(a2))
        XCTAssertEqual(run(a1), run(a1))
        XCTAssertNotEqual(run(a1), run(b))
        let draw = try XCTUnwrap(a1.state.withLock { $0.mismatch["0.weight"] ?? $0.mismatch.values.first })
        XCTAssertTrue(draw.plus.scalars.allSatisfy { [0.9, 1.0, 1.05, 1.2].contains($0) })
        XCTAssertThrowsError(try AnalogProfile(settings: try settings(#"{"name": "t", "mac": {"table": "cell"}, "mismatch": true}"#),
                                               tables: ["cell": try Self.cellTable()], path: "t.json")) { e in
            XCTAssertTrue("\(e)".contains("no Monte Carlo statistics"), "\(e)")
        }
    }

    func testConverterLevelsAreExact() {
        let v = Tensor(shape: [7], data: [-2, -1, -0.34, -0.1, 0.2, 0.99, 3])
        let q = Converters.quantize(v, lo: -1, hi: 1, bits: 2)   // levels −1, −1/3, 1/3, 1
        for (a, b) in zip(q.scalars, [-1, -1, -1.0 / 3, -1.0 / 3, 1.0 / 3, 1, 1]) { XCTAssertEqual(Double(a), b, accuracy: 1e-6) }
        let fine = Converters.quantize(tensor([1000], seed: 1), lo: -1, hi: 1, bits: 8)
        let step: Float = 2 / 255
        for value in fine.scalars {
            let k = (value + 1) / step
            XCTAssertEqual(k, k.rounded(), accuracy: 1e-3)
        }
        XCTAssertEqual(Set(fine.scalars).count, Set(fine.scalars.map { ($0 * 1e4).rounded() }).count)
    }

    func testDroopScalesHeldResults() throws {
        let base = try AnalogProfile(settings: try settings(#"{"name": "t", "mac": {"table": "ideal"}}"#), tables: [:], path: "t")
        let held = try AnalogProfile(settings: try settings(#"{"name": "t", "mac": {"table": "ideal"}, "hold": {"time": 0.1, "tau": 1}}"#), tables: [:], path: "t")
        let layer = try Model(.linear(in: 3, out: 2, bias: false), seed: 1)
        let x = tensor([2, 3], seed: 2)
        let a = layer(x, context: ForwardContext(training: false, profile: base)).scalars
        let b = layer(x, context: ForwardContext(training: false, profile: held)).scalars
        for (p, q) in zip(a, b) { XCTAssertEqual(q, p * Float(Foundation.exp(-0.1)), accuracy: 1e-5 * max(1, abs(p))) }
    }

    /// Energy = operation counts × each cell's energy per operation; n/a where a cell has none.
    func testEnergyFromOperationCounts() throws {
        let profile = try AnalogProfile(settings: try settings(#"{"name": "t", "mac": {"table": "cell"}, "summer": {"table": "ideal", "rails": 10}}"#),
                                        tables: ["cell": try Self.cellTable(energy: 2e-12)], path: "t")
        let layer = try Model(.conv2d(in: 3, out: 4, kernel: 3, stride: 1, padding: 0, bias: false), seed: 1)
        _ = layer(tensor([2, 3, 6, 6], seed: 1, scale: 0.3), context: ForwardContext(training: false, profile: profile))
        let counts = profile.counts
        XCTAssertEqual(counts.cells, 2 * (2 * 4 * 4 * 4) * 27)   // two cells per weight and output
        XCTAssertEqual(counts.summer, 2 * 4 * 4 * 4)
        XCTAssertEqual(profile.energyByCell(counts)["cells"] ?? nil, Double(counts.cells) * 2e-12)
        XCTAssertNil(profile.energy(of: counts))   // the ideal summer has no energy figure
        profile.resetCounts()
        XCTAssertEqual(profile.counts, OperationCounts())
    }

    /// Tiles are cut at whole input channels; each tile's partial sum saturates on its own.
    func testTilingCutsAtInputChannelsAndScalesTilePartialSums() throws {
        XCTAssertEqual(Tiling.tiles(inputChannels: 5, rowsPerChannel: 9, rows: 20), [0..<2, 2..<4, 4..<5])
        XCTAssertEqual(Tiling.tiles(inputChannels: 3, rowsPerChannel: 9, rows: 4), [0..<1, 1..<2, 2..<3])
        let layer = try Model(.conv2d(in: 4, out: 2, kernel: 3, stride: 1, padding: 1, bias: false), seed: 2)
        let x = tensor([2, 4, 5, 5], seed: 3)
        func run(_ json: String) throws -> [Float] {
            let p = try AnalogProfile(settings: try settings(json), tables: [:], path: "t")
            return layer(x, context: ForwardContext(training: false, profile: p)).scalars
        }
        // Wide rails: tiling changes nothing but the order of the sums.
        let flat = try run(#"{"name": "t", "mac": {"table": "ideal"}, "summer": {"table": "ideal", "rails": 10}}"#)
        let tiled = try run(#"{"name": "t", "mac": {"table": "ideal"}, "summer": {"table": "ideal", "rails": 10}, "tiling": {"rows": 18}}"#)
        for (a, b) in zip(flat, tiled) { XCTAssertEqual(a, b, accuracy: 1e-4 * max(1, abs(a))) }
        // The column gain is calibrated on the whole sum: half-channel partial sums reach the rails only
        // when a tile carries most of it, so the results differ but stay within the rails' bound.
        let exact = layer(x).scalars
        let worstFlat = zip(flat, exact).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThan(worstFlat, 1e-3)
        // Two one-row tiles with opposite contributions: y = x₀ − x₁/2. The column gain brings the
        // largest total to 0.9 × the 0.5 V rails, so the first tile's partial sum (twice the total)
        // would reach 0.9 V: its stage runs at γ = 0.45/0.9 = 0.5 of the column gain and its
        // second-level input at 2 (as the compiler builds it), and the tiled result is the whole one.
        // With γ = 1 (a checkpoint from before tile gains) that tile clips at 0.5 V and falls short.
        let pair = try Model(.linear(in: 2, out: 1, bias: false), seed: 1)
        try XCTUnwrap(pair.network as? Linear).weight.assign(Tensor(shape: [1, 2], data: [1, -0.5]))
        let inputs = Tensor(shape: [2, 2], data: [1, 1, 0.2, 0.2])
        let tiledSettings = try settings(#"{"name": "t", "mac": {"table": "ideal"}, "summer": {"table": "ideal", "rails": 0.5}, "tiling": {"rows": 1}}"#)
        func pairRun(_ p: AnalogProfile) -> [Float] { pair(inputs, context: ForwardContext(training: false, profile: p)).scalars }
        let wholeProfile = try AnalogProfile(settings: try settings(#"{"name": "t", "mac": {"table": "ideal"}, "summer": {"table": "ideal", "rails": 0.5}}"#),
                                             tables: [:], path: "t")
        let tiledProfile = try AnalogProfile(settings: tiledSettings, tables: [:], path: "t")
        let whole = pairRun(wholeProfile), split = pairRun(tiledProfile)
        XCTAssertEqual(whole[0], 0.5, accuracy: 1e-5)
        XCTAssertEqual(whole[1], 0.1, accuracy: 1e-5)
        XCTAssertEqual(split[0], 0.5, accuracy: 1e-5)
        XCTAssertEqual(split[1], 0.1, accuracy: 1e-5)
        let stored = tiledProfile.stateArrays
        XCTAssertEqual(try XCTUnwrap(stored.first { $0.name.hasPrefix("profile.tiles.") }).values[0], 0.5, accuracy: 1e-5)
        XCTAssertNil(wholeProfile.stateArrays.first { $0.name.hasPrefix("profile.tiles.") })
        // The gains travel with the checkpoint's scales; without them (γ = 1) tile 1 clips:
        // β·s·1 → 0.5 V; tile 2: −0.45 V; (0.5 − 0.45)/(β·s) of 0.5.
        let restored = try AnalogProfile(settings: tiledSettings, tables: [:], path: "t")
        try restored.loadState(from: stored, path: "ck")
        XCTAssertEqual(pairRun(restored), split)
        let old = try AnalogProfile(settings: tiledSettings, tables: [:], path: "t")
        try old.loadState(from: stored.filter { !$0.name.hasPrefix("profile.tiles.") }, path: "ck")
        XCTAssertEqual(pairRun(old)[0], 0.5 * 0.05 / 0.45, accuracy: 1e-4)
        XCTAssertThrowsError(try old.loadState(from: stored.map { a in
            a.name.hasPrefix("profile.tiles.") ? NamedArray(name: a.name, shape: a.shape, values: [2]) : a }, path: "ck")) {
            XCTAssertTrue("\($0)".contains("tile gains"), "\($0)")
        }
        XCTAssertEqual(split[1], 0.1, accuracy: 1e-5)
    }

    /// An input so large that the per-layer input table cannot be mapped (its grid would overflow)
    /// still computes, through the unmapped tables.
    func testExtremeInputScaleFallsBackToTheUnmappedTables() throws {
        let profile = try AnalogProfile(settings: try settings(#"{"name": "t", "mac": {"table": "ideal"}}"#), tables: [:], path: "t")
        let layer = try Model(.linear(in: 2, out: 1, bias: false), seed: 1)
        let x = Tensor(shape: [2, 2], data: [3.3e38, 0, -1e38, 0])   // s_x = 0.9/3.3e38: 1/s_x overflows
        let y = layer(x, context: ForwardContext(training: false, profile: profile)).scalars
        let exact = layer(x).scalars
        for (a, b) in zip(y, exact) { XCTAssertEqual(a / b, 1, accuracy: 1e-4) }
    }

    // MARK: bad input

    func testProfileDocumentErrorsNameTheKey() throws {
        func expect(_ json: String, _ fragment: String, file: StaticString = #filePath, line: UInt = #line) {
            XCTAssertThrowsError(try settings(json), file: file, line: line) { e in
                XCTAssertTrue("\(e)".contains("test.json") && "\(e)".contains(fragment), "\(e)", file: file, line: line)
            }
        }
        expect(#"{"name": "x", "mac": {"tabel": "a"}}"#, "unknown key 'mac.tabel' (did you mean 'table'?)")
        expect(#"{"name": "x", "dac_bits": 40}"#, "key 'dac_bits': must be 1…24")
        expect(#"{"name": "x", "read_noise": -1}"#, "key 'read_noise'")
        expect(#"{"name": "x", "mac": {"rank": 1}}"#, "missing key 'mac.table'")
        expect(#"{"name": "x", "hold": {"time": 1}}"#, "give tau")
        expect("{\"name\": ", "not valid JSON")
        XCTAssertThrowsError(try AnalogProfile(settings: try settings(#"{"name": "x", "mismatch": true}"#), tables: [:], path: "test.json")) { e in
            XCTAssertTrue("\(e)".contains("give 'mac' or 'device' too"), "\(e)")
        }
        XCTAssertThrowsError(try AnalogProfile(settings: try settings(#"{"name": "x", "mac": {"table": "c"}}"#), tables: [:], path: "test.json")) { e in
            XCTAssertTrue("\(e)".contains("table 'c' was not resolved"), "\(e)")
        }
        for name in AnalogSettings.builtinDocuments.keys { XCTAssertNoThrow(try AnalogSettings.builtin(name), name) }
    }
}
