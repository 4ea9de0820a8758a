import Foundation
import Tensor
import TestSupport
import TransferCurves
import XCTest
@testable import NN

/// Bipolar-morphological layers through an analog profile's log, max and exp cells, against
/// independent computations: the digital BM layer for ideal cells, and a scalar evaluation of the
/// neuron through the tables (interpolated by the test itself) for characterised ones.
final class BMProfileTests: XCTestCase {
    private func tensor(_ shape: [Int], seed: UInt64, scale: Float = 1) -> Tensor {
        var rng = RandomSource(seed: seed)
        return Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in scale * rng.nextNormal() })
    }

    private func settings(_ json: String) throws -> AnalogSettings {
        try AnalogSettings(json: Data(json.utf8), path: "test.json")
    }

    private static func table(_ x: [Double], _ y: [Double], monteCarlo: (gain: [Double], offset: [Double])? = nil,
                              energy: Double? = nil) throws -> LookupTable {
        let mc = monteCarlo.map { MonteCarloStatistics(
            instances: $0.gain.count, failedInstances: 0, seed: 1, tolerances: ["is": 0.01], mean: y,
            standardDeviation: y.map { _ in 0.001 }, gain: $0.gain, offset: $0.offset, residual: $0.gain.map { _ in 0 }) }
        return try LookupTable(
            provenance: Provenance(cell: "test", netlistPath: "test.cir", netlistSHA256: "00", temperature: 27, grid: "",
                                   kelvinVersion: "test", date: "2026-12-05"),
            axes: [Axis(name: "vin", unit: "V", values: x)], output: Quantity(name: "v(out)", unit: "V"), values: y, monteCarlo: mc,
            dynamics: energy.map { Dynamics(settlingTime: 1e-6, operationTime: 1e-6, energyPerOperation: $0, supplies: ["vcc", "vee"]) })
    }

    /// A log converter over 1 mV … 10 V (41 points, even in ln v): `−0.0259·ln(v/1e-10)` bent by
    /// `5e-5·ln(v)²` (not the ideal law).
    static let logPoints: (x: [Double], y: [Double]) = {
        let x = (0...40).map { 1e-3 * Foundation.pow(10, Double($0) / 10) }
        return (x, x.map { -0.0259 * Foundation.log($0 / 1e-10) + 5e-5 * Foundation.pow(Foundation.log($0), 2) })
    }()
    /// An exp converter over −0.65 … −0.35 V (301 points): `1e-10·e^{−v/0.0259}·(1 + 0.2·(v + 0.5))`.
    static let expPoints: (x: [Double], y: [Double]) = {
        let x = (0...300).map { -0.65 + Double($0) * 0.001 }
        return (x, x.map { 1e-10 * Foundation.exp(-$0 / 0.0259) * (1 + 0.2 * ($0 + 0.5)) })
    }()
    /// A four-input max circuit swept from −10 to 10 V against a held 1 V: 0.2 mV short when it wins.
    static let maxPoints: (x: [Double], y: [Double]) = {
        let x = (0...200).map { -10 + Double($0) * 0.1 }
        return (x, x.map { Swift.max($0, 1) - ($0 > 1 ? 2e-4 : 0) })
    }()

    private static func tables(monteCarlo: Bool = false) throws -> [String: LookupTable] {
        [
            "log": try table(logPoints.x, logPoints.y, monteCarlo: monteCarlo ? ([1, 1, 1], [3e-4, 0, -2e-4]) : nil),
            "exp": try table(expPoints.x, expPoints.y, monteCarlo: monteCarlo ? ([0.98, 1, 1.03], [0, 0, 0]) : nil),
            "max": try table(maxPoints.x, maxPoints.y),
        ]
    }

    /// The ideal BM cells reproduce the digital BM conv and linear layers, forward and gradients.
    func testIdealBMProfileReproducesDigital() throws {
        let profile = try AnalogProfile(settings: try XCTUnwrap(AnalogSettings.builtin("ideal")), tables: [:], path: "ideal")
        var rng = RandomSource(seed: 3)
        let conv = BMConv2d(3, 4, kernelSize: 3, stride: 1, padding: 1, rng: &rng)
        let linear = BMLinear(12, 5, rng: &rng)
        for (name, layer, x) in [("conv", conv as any Layer, tensor([2, 3, 5, 5], seed: 4)), ("linear", linear, tensor([3, 12], seed: 5))] {
            func run(_ p: any ExecutionProfile) -> (out: [Float], grads: [[Float]]) {
                layer.zeroGrad()
                let y = layer(x, context: ForwardContext(training: true, profile: p))
                (y * tensor(y.shape, seed: 6)).sum().backward()
                return (y.scalars, layer.parameters.map { $0.grad?.scalars ?? [] })
            }
            let digital = run(DigitalProfile()), analog = run(profile)
            let scale = digital.out.reduce(0) { max($0, abs($1)) }
            XCTAssertLessThanOrEqual(zip(analog.out, digital.out).map { abs($0 - $1) }.max()!, 1e-5 * scale, name)
            for (a, d) in zip(analog.grads, digital.grads) {
                let g = d.reduce(0) { max($0, abs($1)) }
                XCTAssertLessThanOrEqual(zip(a, d).map { abs($0 - $1) }.max()!, 1e-5 * max(g, 1e-6), name + " gradient")
            }
        }
    }

    /// A BM conv through characterised log, max and exp tables equals the scalar neuron computed
    /// from the tables here: ℓ interpolated in ln v (clamped at the converter's range, so zero
    /// inputs read as 1 mV), the max tree's shortfall per level, the exp table at v(M).
    func testCharacterisedCellsMatchScalarReference() throws {
        let profile = try AnalogProfile(settings: try settings(#"{"name": "t", "bm": {"log": "log", "exp": "exp", "max": "max"}}"#),
                                        tables: try Self.tables(), path: "t.json")
        var rng = RandomSource(seed: 8)
        let conv = BMConv2d(2, 3, kernelSize: 3, stride: 1, padding: 1, rng: &rng)
        conv.bias.assign(Tensor(shape: [3], data: [0.1, -0.2, 0.05]))
        let x = tensor([2, 2, 4, 4], seed: 9)
        let y = conv(x, context: ForwardContext(training: false, profile: profile)).scalars
        let s = try XCTUnwrap(profile.stateArrays.first?.values)   // [s_x, β, e^{m₀}]
        let sx = Double(s[0]), m0 = Foundation.log(Double(s[2])), h = 0.9
        // ℓ: the log table's ideal-law fit and its interpolation in ln v.
        let us = Self.logPoints.x.map { Foundation.log($0) }, ts = Self.logPoints.y
        let (a, c) = line(us, ts)
        func ell(_ v: Double) -> Double { (interpolate(us, ts, Foundation.log(v)) - c) / a }
        // The exp table's fit, v*, and the max tree (fan-in 18: three levels of four-input cells, 18 → 5 → 2 → 1).
        let (b, d) = line(Self.expPoints.x, Self.expPoints.y.map { Foundation.log($0) })
        let top = Self.expPoints.y.max()!, vStar = (Foundation.log(h * top) - d) / b
        let lost = 3 * 2e-4 / abs(a)
        func expCell(_ m: Double) -> Double {
            interpolate(Self.expPoints.x, Self.expPoints.y, vStar + (m - m0) / b) * Foundation.exp(m0) / (h * top)
        }
        let xs = x.scalars.map(Double.init), vp = conv.plus.value.scalars.map(Double.init), vm = conv.minus.value.scalars.map(Double.init)
        var worst = 0.0, scale = 0.0
        for n in 0..<2 { for o in 0..<3 { for i in 0..<4 { for j in 0..<4 {
            var m = [Double](repeating: -.infinity, count: 4)
            for ci in 0..<2 { for ky in 0..<3 { for kx in 0..<3 {
                let yy = i + ky - 1, xx = j + kx - 1
                guard yy >= 0, yy < 4, xx >= 0, xx < 4 else { continue }
                let v = xs[((n * 2 + ci) * 4 + yy) * 4 + xx], k = ((o * 2 + ci) * 3 + ky) * 3 + kx
                let lp = ell(sx * Swift.max(v, 0) + sx * 1e-30) - Foundation.log(sx)
                let lm = ell(sx * Swift.max(-v, 0) + sx * 1e-30) - Foundation.log(sx)
                for (t, value) in [lp + vp[k], lp + vm[k], lm + vp[k], lm + vm[k]].enumerated() { m[t] = Swift.max(m[t], value) }
            }}}
            let e = m.map { expCell($0 - lost) }
            let expected = e[0] - e[1] - e[2] + e[3] + [0.1, -0.2, 0.05][o]
            scale = Swift.max(scale, abs(expected))
            worst = Swift.max(worst, abs(expected - Double(y[((n * 3 + o) * 4 + i) * 4 + j])))
        }}}}
        XCTAssertLessThan(worst, 1e-4 * scale)
        // The cells are not ideal: the result is not the digital BM layer's.
        let digital = conv(x).scalars
        XCTAssertGreaterThan(zip(digital, y).map { abs($0 - $1) }.max()!, 1e-3 * Float(scale))
    }

    /// A converter's input below its range reads as the range's bottom: ln 0 through the log cell
    /// is ln(1 mV / s_x), not −∞.
    func testZeroInputReadsAsTheConverterFloor() throws {
        let cell = try LogCell(table: try XCTUnwrap(Self.tables()["log"]), name: "log")
        let floor = cell.curve(Float(Foundation.log(1e-30)))
        XCTAssertEqual(floor, cell.curve(Float(Foundation.log(1e-3))))
        XCTAssertEqual(Double(floor), Foundation.log(1e-3), accuracy: 0.1)   // near the fit's ideal law at 1 mV
        XCTAssertEqual(MaxCell.levels(fanIn: 1), 0)
        XCTAssertEqual(MaxCell.levels(fanIn: 4), 1)
        XCTAssertEqual(MaxCell.levels(fanIn: 5), 2)
        XCTAssertEqual(MaxCell.levels(fanIn: 576), 5)
        XCTAssertEqual(try MaxCell(table: try XCTUnwrap(Self.tables()["max"]), name: "max").shortfall, 2e-4, accuracy: 1e-7)
    }

    /// One chip's log offsets and exp gains are fixed across calls and differ between chips; a
    /// profile asking for mismatch from tables without Monte Carlo statistics is refused.
    func testMismatchIsFixedPerChip() throws {
        let document = #"{"name": "t", "bm": {"log": "log", "exp": "exp"}, "mismatch": true}"#
        func profile(_ chip: UInt64) throws -> AnalogProfile {
            try AnalogProfile(settings: try settings(document), tables: try Self.tables(monteCarlo: true), chipSeed: chip, path: "t.json")
        }
        var rng = RandomSource(seed: 11)
        let layer = BMLinear(16, 4, rng: &rng)
        let x = tensor([5, 16], seed: 12)
        let chip0 = try profile(0), chip1 = try profile(1)
        func run(_ p: AnalogProfile) -> [Float] { layer(x, context: ForwardContext(training: false, profile: p)).scalars }
        XCTAssertEqual(run(chip0), run(chip0))
        XCTAssertNotEqual(run(chip0), run(chip1))
        XCTAssertThrowsError(try AnalogProfile(settings: try settings(document), tables: try Self.tables(), path: "t.json")) {
            XCTAssertTrue("\($0)".contains("Monte Carlo"), "\($0)")
        }
    }

    /// The energy of BM layers on characterised cells: every kind in use — log converters, max
    /// circuits, exp converters and the column summer — is its operation count × its table's energy
    /// per operation, the counts worked out here from the layers' shapes (two log conversions per
    /// input, four exp conversions per output, `⌈(n − 1)/3⌉` four-input max cells per output term of
    /// fan-in n, one summer operation per output), and the total is their sum. A converter table
    /// without an energy figure leaves its entry nil and the total n/a.
    func testBMEnergyCountsEveryCell() throws {
        let perOperation = ["log": 6.1e-8, "max": 3.0e-8, "exp": 1.2e-8, "summer": 1.3e-8]
        let rails = stride(from: -15.0, through: 15, by: 0.5).map { $0 }
        func tables(logEnergy: Double?) throws -> [String: LookupTable] {
            [
                "log": try Self.table(Self.logPoints.x, Self.logPoints.y, energy: logEnergy),
                "exp": try Self.table(Self.expPoints.x, Self.expPoints.y, energy: perOperation["exp"]),
                "max": try Self.table(Self.maxPoints.x, Self.maxPoints.y, energy: perOperation["max"]),
                "sum": try Self.table(rails, rails.map { Swift.min(12, Swift.max(-12, $0)) }, energy: perOperation["summer"]),
            ]
        }
        let document = #"{"name": "t", "bm": {"log": "log", "exp": "exp", "max": "max"}, "summer": {"table": "sum"}}"#
        var rng = RandomSource(seed: 13)
        let conv = BMConv2d(2, 3, kernelSize: 3, stride: 1, padding: 1, rng: &rng)
        let linear = BMLinear(12, 5, rng: &rng)
        let xc = tensor([2, 2, 4, 4], seed: 14), xl = tensor([3, 12], seed: 15)
        func maxCells(fanIn n: Int) -> Int { Int((Double(n - 1) / 3).rounded(.up)) }
        // conv: 64 inputs, 2·3·4·4 = 96 outputs of fan-in 2·3·3 = 18; linear: 36 inputs, 15 outputs of fan-in 12.
        var expected = OperationCounts()
        expected.logConverters = 2 * 64 + 2 * 36
        expected.expConverters = 4 * 96 + 4 * 15
        expected.maxCells = 4 * 96 * maxCells(fanIn: 18) + 4 * 15 * maxCells(fanIn: 12)
        expected.summer = 96 + 15

        let profile = try AnalogProfile(settings: try settings(document), tables: try tables(logEnergy: perOperation["log"]), path: "t.json")
        _ = conv(xc, context: ForwardContext(training: false, profile: profile))
        _ = linear(xl, context: ForwardContext(training: false, profile: profile))
        XCTAssertEqual(profile.counts, expected)
        let byCell = profile.energyByCell(profile.counts)
        XCTAssertEqual(Set(byCell.keys), ["log", "max", "exp", "summer"])
        let counted = ["log": expected.logConverters, "max": expected.maxCells, "exp": expected.expConverters, "summer": expected.summer]
        var total = 0.0
        for (kind, count) in counted {
            let energy = Double(count) * perOperation[kind]!
            assertClose(try XCTUnwrap(byCell[kind] ?? nil, kind), energy, relative: 1e-12, kind)
            total += energy
        }
        assertClose(try XCTUnwrap(profile.energy(of: profile.counts)), total, relative: 1e-12)
        XCTAssertTrue(profile.cellSummary.contains { $0.hasPrefix("log converter:") && $0.hasSuffix(", 6.1e-08 J/op") }, "\(profile.cellSummary)")
        XCTAssertTrue(profile.cellSummary.contains { $0.hasPrefix("exp converter:") && $0.hasSuffix(", 1.2e-08 J/op") }, "\(profile.cellSummary)")

        // A log converter characterised without supplies: its entry is nil, and so is the total.
        let bare = try AnalogProfile(settings: try settings(document), tables: try tables(logEnergy: nil), path: "t.json")
        _ = linear(xl, context: ForwardContext(training: false, profile: bare))
        let parts = bare.energyByCell(bare.counts)
        XCTAssertEqual(Set(parts.keys), ["log", "max", "exp", "summer"])
        XCTAssertNil(parts["log"] ?? nil)
        XCTAssertNotNil(parts["exp"] ?? nil)
        XCTAssertNil(bare.energy(of: bare.counts))
    }

    /// Document errors name the key.
    func testBMDocumentErrors() throws {
        XCTAssertThrowsError(try settings(#"{"name": "t", "bm": {"log": "a", "exp": "b", "mx": "c"}}"#)) {
            XCTAssertTrue("\($0)".contains("bm.mx"), "\($0)")
        }
        XCTAssertThrowsError(try AnalogProfile(settings: try settings(#"{"name": "t", "bm": {"log": "ideal", "exp": "exp", "max": "max"}}"#),
                                               tables: try Self.tables(), path: "t.json")) {
            XCTAssertTrue("\($0)".contains("bm.max"), "\($0)")
        }
        // Asked-for effects that ideal cells cannot give are refused, not dropped.
        for (document, key) in [(#"{"name": "t", "bm": {"log": "ideal", "exp": "ideal"}, "mismatch": true}"#, "mismatch"),
                                (#"{"name": "t", "bm": {"log": "ideal", "exp": "exp"}, "dac_bits": 8}"#, "dac_bits")] {
            XCTAssertThrowsError(try AnalogProfile(settings: try settings(document), tables: try Self.tables(), path: "t.json")) {
                XCTAssertTrue("\($0)".contains("key '\(key)'"), "\($0)")
            }
        }
        XCTAssertEqual(try settings(#"{"name": "t", "bm": {"log": "a", "exp": "b", "max": "c"}}"#).tableNames, ["a", "b", "c"])
    }

    private func line(_ x: [Double], _ y: [Double]) -> (Double, Double) {
        let n = Double(x.count), mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        let sxy = zip(x, y).reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) }, sxx = x.reduce(0) { $0 + ($1 - mx) * ($1 - mx) }
        return (sxy / sxx, my - sxy / sxx * mx)
    }

    /// Linear interpolation on an increasing grid, constant outside.
    private func interpolate(_ x: [Double], _ y: [Double], _ v: Double) -> Double {
        if v <= x[0] { return y[0] }
        if v >= x[x.count - 1] { return y[y.count - 1] }
        let i = x.lastIndex { $0 <= v }!
        return y[i] + (v - x[i]) * (y[i + 1] - y[i]) / (x[i + 1] - x[i])
    }
}
