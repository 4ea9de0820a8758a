import Netlist
import Randomness
import TestSupport
import TransferCurves
import XCTest

@testable import Characterization

/// Monte Carlo tolerances (issue 14 §3): factors `1 + σz` stay positive, and the spread is broken
/// down per tolerance.
final class ToleranceTests: XCTestCase {
    /// The factor is `1 + σz` with z truncated to |z| < 1/σ: in (0, 2) with mean 1 even at σ = 90 %,
    /// and the plain normal draws at a small σ (no redraw happens).
    func testFactorsStayPositiveAtLargeSigma() throws {
        var rng = SplitMix64(seed: 3)
        var sum = 0.0
        let n = 20_000
        for _ in 0..<n {
            let f = Tolerances.factor(sigma: 0.9, using: &rng)
            XCTAssertGreaterThan(f, 0)
            XCTAssertLessThan(f, 2)
            sum += f
        }
        // The truncated factor has σ < 0.6: the mean is 1 within 4 standard errors.
        XCTAssertEqual(sum / Double(n), 1, accuracy: 4 * 0.6 / Double(n).squareRoot())
        var a = SplitMix64(seed: 11), b = SplitMix64(seed: 11)
        for _ in 0..<1000 { XCTAssertEqual(Tolerances.factor(sigma: 0.05, using: &a), 1 + 0.05 * b.nextGaussian()) }
        let deck = try NetlistParser.parse(text: "t\nr1 a 0 1k\nr2 a 0 1k\n", fileName: "t.cir", directory: "/nonexistent")
        var draws = SplitMix64(seed: 5)
        for _ in 0..<2000 {
            for element in Tolerances(["r": 0.95]).perturb(deck, using: &draws).deck.elements {
                guard case .resistor(let r) = element.kind else { return XCTFail() }
                XCTAssertGreaterThan(r, 0)
            }
        }
    }

    /// With two tolerances the table stores what each does alone (same seed), the summary prints
    /// it with each one's share of the gain variance, and the breakdown survives the file.
    func testMonteCarloBreaksTheSpreadDownPerTolerance() throws {
        let netlists = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("netlists").path
        let path = try CellSpec.path(cell: "log_converter", directory: netlists)
        let spec = try CellSpec.load(netlist: path, inputs: [SweepAxis(source: "vin", lower: 0.01, upper: 1, count: 5)])
        let characterizer = try Characterizer(spec: spec)
        let options = CharacterizationOptions(
            monteCarloInstances: 64, tolerances: try Tolerances.parse("R=1%,IS=5%,BF=10%"), seed: 9)
        let table = try characterizer.characterize(options: options)
        let mc = try XCTUnwrap(table.monteCarlo)
        XCTAssertEqual(Set(mc.contributions.keys), ["r", "is"], "BF matches no element: no run for it")
        // Each alone is the Monte Carlo with only that tolerance.
        let alone = try characterizer.monteCarlo(
            instances: 64, tolerances: Tolerances(["is": 0.05]), seed: 9, nominal: table.values)
        XCTAssertEqual(mc.contributions["is"], ToleranceContribution(alone.statistics))
        let shares = try ["r", "is"].map { try XCTUnwrap(mc.share(of: $0)) }
        XCTAssertEqual(shares.reduce(0, +), 1, accuracy: 1e-12)
        // To first order the variances add: the sum of the parts is close to the whole.
        let whole = MonteCarloStatistics.relativeSpread(mc.gain)
        let parts = mc.contributions.values.reduce(0) { $0 + $1.gainSpread * $1.gainSpread }.squareRoot()
        XCTAssertEqual(parts, whole, accuracy: 0.35 * whole)
        let summary = try TableReport.summary(table, path: "t.lut")
        XCTAssertTrue(summary.contains("per tolerance (each alone"), summary)
        XCTAssertTrue(summary.contains("IS=5%"), summary)
        let back = try LookupTable.decode(try table.encoded(), path: "t.lut")
        XCTAssertEqual(back.monteCarlo?.contributions, mc.contributions)
        // Without the breakdown (or with one tolerance) nothing extra is run or stored.
        var single = options
        single.toleranceBreakdown = false
        XCTAssertEqual(try characterizer.characterize(options: single).monteCarlo?.contributions, [:])
    }

    /// A σ of 100 % or more is refused (a factor could not stay positive and keep its mean).
    func testSigmaOfOneOrMoreIsRefused() throws {
        XCTAssertThrowsError(try Tolerances.parse("R=100%"))
        let netlists = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("netlists").path
        let spec = try CellSpec.load(
            netlist: try CellSpec.path(cell: "log_converter", directory: netlists),
            inputs: [SweepAxis(source: "vin", lower: 0.01, upper: 1, count: 3)])
        let characterizer = try Characterizer(spec: spec)
        XCTAssertThrowsError(try characterizer.monteCarlo(
            instances: 2, tolerances: Tolerances(["r": 1.5]), seed: 1, nominal: try characterizer.nominal())
        ) { XCTAssertTrue("\($0)".contains("100%"), "\($0)") }
    }
}
