import Foundation
import TransferCurves
import XCTest

/// The checked-in tables (Tests/Fixtures/tables, made by its regenerate.sh) are format-v1 golden
/// files: they must decode, re-encode to the same bytes, and carry their provenance.
final class LookupTableFixtureTests: XCTestCase {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/tables")

    func testFixtureTablesDecodeAndReencodeIdentically() throws {
        for cell in ["summing_amplifier", "log_converter", "log_multiplier", "log_divider"] {
            let url = Self.directory.appendingPathComponent("\(cell).lut")
            let bytes = [UInt8](try Data(contentsOf: url))
            let table = try LookupTable.decode(bytes, path: url.path)
            XCTAssertEqual(try table.encoded(), bytes, cell)
            XCTAssertEqual(table.provenance.cell, cell)
            XCTAssertEqual(table.provenance.netlistSHA256.count, 64)
            XCTAssertEqual(table.monteCarlo?.instances, 50)
            XCTAssertNotNil(table.provenance.ideal)
            if table.axes.count == 1 {
                XCTAssertNotNil(table.curve, cell)
            } else {
                // The 2-D cells: a surface, its separable fit (rank chosen by the residual target).
                XCTAssertNotNil(table.surface, cell)
                let fit = try XCTUnwrap(table.separableFit, cell)
                XCTAssertLessThanOrEqual(fit.relativeResidual, fit.target, cell)
            }
            if cell == "summing_amplifier" || cell == "log_multiplier" {
                // Settling, and energy per operation from the supplied op-amp's VCC/VEE currents.
                XCTAssertNotNil(table.dynamics?.settlingTime, cell)
                XCTAssertGreaterThan(try XCTUnwrap(table.dynamics?.energyPerOperation, cell), 0, cell)
            }
        }
    }
}
