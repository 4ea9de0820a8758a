import Foundation
import Netlist
import TestSupport
import XCTest

@testable import Simulator

/// Checks the analog computing cells in netlists/ against the ideal math they implement
/// (FixtureTests checks the same decks against ngspice; this checks they compute the right thing).
///
/// The op-amp macro (netlists/opamp.lib) has open-loop gain A = 1e5, 1 MΩ input resistance,
/// 50 Ω output resistance inside the feedback loop and a soft diode clamp at about ±12 V.
/// A closed-loop inverting stage with noise gain 1 + Σ Rf/Ri is then off by ≈ (1 + Σ Rf/Ri)/A
/// relative (≤ 3e-5 for these cells); the tolerances below leave a few times that.
final class CellTests: XCTestCase {
    /// netlists/, found from this file's path.
    static let cellsDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Tests/SimulatorTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // package root
        .appendingPathComponent("netlists")

    /// Thermal voltage kT/q at 27 °C (300.15 K), SI-2019 constants.
    static let thermalVoltage = 1.380649e-23 * 300.15 / 1.602176634e-19

    private func simulate(_ file: String) throws -> (Deck, [SimulationResult]) {
        let deck = try NetlistParser.parse(file: Self.cellsDirectory.appendingPathComponent(file).path)
        return (deck, try Simulation(deck: deck).run())
    }

    /// Inverting summer: vout = −RF·(v1/R1 + v2/R2 + v3/R3) while |vout| ≤ 11 V,
    /// within 1e-4·|ideal| + 0.1 mV (finite gain: 2.7e-5 relative). Beyond ±13 V ideal the
    /// output must sit on the clamp, 11.5 V ≤ |vout| ≤ 12.8 V, with the ideal's sign.
    func testSummingAmplifier() throws {
        let (deck, results) = try simulate("summing_amplifier.cir")
        let dc = try result(results, "dc1")
        let (r1, r2, r3, rf) = try (
            resistance(deck, "r1"), resistance(deck, "r2"), resistance(deck, "r3"), resistance(deck, "rf"))
        let (v2, v3) = try (sourceValue(deck, "v2"), sourceValue(deck, "v3"))
        let sweep = try column(dc, "v-sweep"), out = try column(dc, "v(out)")
        var checkedLinear = 0, checkedClamp = 0
        for (v1, vout) in zip(sweep, out) {
            let ideal = -rf * (v1 / r1 + v2 / r2 + v3 / r3)
            if abs(ideal) <= 11 {
                assertClose(vout, ideal, relative: 1e-4, absolute: 1e-4, "summer at v1 = \(v1)")
                checkedLinear += 1
            } else if abs(ideal) >= 13 {
                XCTAssert(
                    (11.5...12.8).contains(abs(vout)) && vout.sign == ideal.sign,
                    "summer at v1 = \(v1): \(vout) V is not on the ±12 V clamp")
                checkedClamp += 1
            }
        }
        XCTAssertGreaterThan(checkedLinear, 20)
        XCTAssertGreaterThan(checkedClamp, 4)
    }

    /// Log converter: vout = −N·Vt·ln(vin/(RIN·IS)). The diode's series resistance adds −RS·iin
    /// (≤ 1 mV at 1 mA). The finite gain leaves the virtual ground at −vout/A ≈ 4…7 µV, which
    /// lowers iin by 0.4 % at vin = 1 mV, i.e. shifts vout by ≈ 0.1 mV; the Shockley "−1" and
    /// gmin are below 10 µV. Tolerance: RS·iin + 0.5 mV, over vin = 1 mV … 10 V.
    func testLogConverter() throws {
        let (deck, results) = try simulate("log_converter.cir")
        let dc = try result(results, "dc1")
        let rin = try resistance(deck, "rin")
        let model = try diodeModel(deck, "d1")
        let isat = model.value("is", default: 1e-14), n = model.value("n", default: 1), rs = model.value("rs", default: 0)
        let sweep = try column(dc, "v-sweep"), out = try column(dc, "v(out)")
        XCTAssertGreaterThanOrEqual((sweep.max() ?? 0) / (sweep.min() ?? 1), 1000, "the sweep spans fewer than 3 decades")
        for (vin, vout) in zip(sweep, out) where vin > 0 {
            let iin = vin / rin
            let ideal = -n * Self.thermalVoltage * log(iin / isat)
            assertClose(vout, ideal, relative: 0, absolute: rs * iin + 5e-4, "log converter at vin = \(vin)")
        }
    }

    /// 4×4 crossbar: y = −RF·G·x with G[i][j] = 1/Rij. Tolerance 2e-4·|y| + 0.2 mV
    /// (finite gain: (1 + RF·Σ_j G[i][j])/A ≤ 3e-5 relative).
    func testCrossbar() throws {
        let (deck, results) = try simulate("crossbar_4x4.cir")
        let op = try result(results, "op1")
        let x = try (1...4).map { try sourceValue(deck, "vx\($0)") }
        for i in 1...4 {
            let rf = try resistance(deck, "rf\(i)")
            var ideal = 0.0
            for j in 1...4 {
                ideal -= rf / (try resistance(deck, "r\(i)\(j)")) * x[j - 1]
            }
            let y = try column(op, "v(y\(i))")[0]
            assertClose(y, ideal, relative: 2e-4, absolute: 2e-4, "crossbar output y\(i)")
        }
    }

    // MARK: - Helpers

    private func result(_ results: [SimulationResult], _ name: String) throws -> SimulationResult {
        try XCTUnwrap(results.first { $0.name == name }, "no analysis \(name) in \(results.map(\.name))")
    }

    private func column(_ result: SimulationResult, _ name: String) throws -> [Double] {
        let index = try XCTUnwrap(result.variables.firstIndex(of: name), "no column \(name) in \(result.variables)")
        return result.rows.map { $0[index] }
    }

    private func element(_ deck: Deck, _ name: String) throws -> Element {
        try XCTUnwrap(deck.elements.first { $0.name == name }, "no element \(name) in the deck")
    }

    private func resistance(_ deck: Deck, _ name: String) throws -> Double {
        guard case .resistor(let r) = try element(deck, name).kind else {
            throw CellError("\(name) is not a resistor")
        }
        return r
    }

    private func sourceValue(_ deck: Deck, _ name: String) throws -> Double {
        guard case .voltageSource(let source) = try element(deck, name).kind else {
            throw CellError("\(name) is not a voltage source")
        }
        return try XCTUnwrap(source.dc, "\(name) has no DC value")
    }

    private func diodeModel(_ deck: Deck, _ name: String) throws -> Model {
        guard case .diode(let model, _) = try element(deck, name).kind else {
            throw CellError("\(name) is not a diode")
        }
        return model
    }
}

/// A cell deck that does not have the shape the test expects.
private struct CellError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
