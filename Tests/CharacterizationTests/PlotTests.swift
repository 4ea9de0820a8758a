import Foundation
import TransferCurves
import XCTest

@testable import Characterization

/// The SVG plots (issue 14 §3): round tick values, legends that fit, one colour per Monte Carlo band.
final class PlotTests: XCTestCase {
    func testTicksAreRoundAndCoverTheRange() {
        XCTAssertEqual(PlotTicks.step(0, 1), 0.2)
        XCTAssertEqual(PlotTicks.step(0, 37, minimumStep: 1), 10)
        XCTAssertEqual(PlotTicks.step(0, 3, minimumStep: 1), 1)
        XCTAssertEqual(PlotTicks.step(-0.0231, 0.0187), 0.01)
        let (lo, hi) = PlotTicks.snapped(-0.0231, 0.0187, step: 0.01)
        XCTAssertEqual(lo, -0.03, accuracy: 1e-15)
        XCTAssertEqual(hi, 0.02, accuracy: 1e-15)
        XCTAssertEqual(PlotTicks.values(lo, hi, step: 0.01).map { PlotTicks.label($0, step: 0.01) },
                       ["-0.03", "-0.02", "-0.01", "0", "0.01", "0.02"])
        XCTAssertEqual(PlotTicks.label(2e-6, step: 1e-6), "2e-06")
        XCTAssertEqual(PlotTicks.label(1_500_000, step: 500_000), "1.5e+06")
        // Degenerate and non-finite ranges give no ticks rather than a trap or a hang.
        XCTAssertEqual(PlotTicks.values(0, .infinity, step: 1), [])
        XCTAssertEqual(PlotTicks.values(-1e308, 1e308, step: PlotTicks.step(-1e308, 1e308)), [])
        XCTAssertEqual(PlotTicks.values(.nan, 1, step: 1), [])
    }

    func testMonteCarloBandsHaveTheirCurvesColoursAndTheLegendFits() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/tables/log_multiplier.lut").path
        let table = try LookupTable.read(from: path)
        XCTAssertNotNil(table.monteCarlo)
        let svg = try TableReport.svg(table)
        let fills = svg.split(separator: "\n").filter { $0.hasPrefix("<polygon") }.compactMap { line -> String? in
            guard let r = line.range(of: "fill=\"") else { return nil }
            return String(line[r.upperBound...].prefix(7))
        }
        XCTAssertGreaterThan(fills.count, 1)
        XCTAssertEqual(Set(fills).count, fills.count, "one colour per band: \(fills)")
        // Every legend label ends inside the 760-px plot (≈ 6.5 px a character).
        for line in svg.split(separator: "\n") where line.contains("fill=\"#333\"") {
            guard let x = line.split(separator: "\"").dropFirst().first.flatMap({ Double($0) }),
                  let open = line.range(of: "\">"), let close = line.range(of: "</text>") else { continue }
            let text = line[open.upperBound..<close.lowerBound]
            XCTAssertLessThanOrEqual(x + 6.5 * Double(text.count), 760, String(line))
        }
    }

    /// A saturating cell's residual panel spans the residuals inside the Monte Carlo fit range
    /// (shaded in both panels); outside it the curves are clipped to the panel.
    func testResidualsAreScaledToTheFitRange() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/tables/summing_amplifier.lut").path
        var table = try LookupTable.read(from: path)
        let mc = try XCTUnwrap(table.monteCarlo)
        table.monteCarlo?.fitRange = -11...11
        let svg = try TableReport.svg(table)
        XCTAssertTrue(svg.contains("fit range -11 … 11"), svg)
        XCTAssertTrue(svg.contains("clip-path=\"url(#residual-panel)\""))
        XCTAssertEqual(svg.components(separatedBy: "fill-opacity=\"0.08\"").count - 1, 2, "the range shaded in both panels")
        // The residual axis: round ticks covering only the residuals within |x| ≤ 11 (the
        // saturated ends are volts off the ideal; inside, millivolts).
        let ideal = try XCTUnwrap(TableReport.idealValues(table))
        let inside = zip(table.axes[0].values, zip(table.values, ideal)).filter { abs($0.0) <= 11 }.map { $0.1.0 - $0.1.1 }
        let outsideWorst = zip(table.values, ideal).map { abs($0 - $1) }.max() ?? 0
        XCTAssertGreaterThan(outsideWorst, 10 * (inside.map(abs).max() ?? 0), "the fixture saturates")
        table.monteCarlo = mc
        table.monteCarlo?.fitRange = nil
        XCTAssertFalse(try TableReport.svg(table).contains("fit range"))
    }
}
