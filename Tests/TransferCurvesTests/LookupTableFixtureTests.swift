import Foundation
import TestSupport
import TransferCurves
import XCTest

/// The checked-in tables (Tests/Fixtures/tables, made by its regenerate.sh) are format-v2 golden
/// files: they must decode, re-encode to the same bytes, and carry their provenance. Two
/// format-v1 files (Tests/Fixtures/tables/v1, written by Kelvin before v2, never regenerated)
/// must still load.
final class LookupTableFixtureTests: XCTestCase {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/tables")

    func testFixtureTablesDecodeAndReencodeIdentically() throws {
        for cell in ["summing_amplifier", "log_converter", "log_multiplier", "log_divider"] {
            let url = Self.directory.appendingPathComponent("\(cell).lut")
            let bytes = [UInt8](try Data(contentsOf: url))
            let table = try LookupTable.decode(bytes, path: url.path)
            XCTAssertEqual(LookupTable.fileVersion(bytes), 2, cell)
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
                // v2: one operation (the settling time), its static and dynamic parts stored apart.
                let d = try XCTUnwrap(table.dynamics, cell)
                XCTAssertEqual(d.operationTime, d.settlingTime, cell)
                XCTAssertEqual(
                    try XCTUnwrap(d.energyPerOperation), try XCTUnwrap(d.staticEnergy) + (try XCTUnwrap(d.dynamicEnergy)),
                    accuracy: 1e-12 * abs(d.energyPerOperation ?? 0), cell)
                XCTAssertNil(d.legacyWindowEnergy, cell)
            }
        }
    }

    /// The v1 files load: same grid, values and Monte Carlo statistics as the v2 tables of the same
    /// netlist (same seed); settling time unchanged; the v1 energy (step to tstop) is kept as
    /// `legacyWindowEnergy` and is larger than the v2 energy of one operation.
    func testVersion1FixturesLoad() throws {
        for cell in ["summing_amplifier", "log_multiplier"] {
            let url = Self.directory.appendingPathComponent("v1/\(cell).lut")
            let bytes = [UInt8](try Data(contentsOf: url))
            XCTAssertEqual(LookupTable.fileVersion(bytes), 1, cell)
            let old = try LookupTable.read(from: url.path)
            let new = try LookupTable.read(from: Self.directory.appendingPathComponent("\(cell).lut").path)
            XCTAssertEqual(old.provenance.netlistSHA256, new.provenance.netlistSHA256, cell)
            XCTAssertEqual(old.axes, new.axes, cell)
            // The v1 files came from a release build of an earlier Kelvin: equal to rounding (1e-9).
            func close(_ a: [Double], _ b: [Double], _ what: String) {
                XCTAssertEqual(a.count, b.count, "\(cell) \(what)")
                for (x, y) in zip(a, b) { assertClose(x, y, relative: 1e-9, absolute: 1e-15, "\(cell) \(what)") }
            }
            close(old.values, new.values, "values")
            let (mcOld, mcNew) = (try XCTUnwrap(old.monteCarlo, cell), try XCTUnwrap(new.monteCarlo, cell))
            XCTAssertEqual(mcOld.instances, mcNew.instances, cell)
            close(mcOld.mean, mcNew.mean, "mean")
            close(mcOld.standardDeviation, mcNew.standardDeviation, "sigma")
            close(mcOld.gain, mcNew.gain, "gain")
            XCTAssertEqual(old.separableFit?.rank, new.separableFit?.rank, cell)
            let d = try XCTUnwrap(old.dynamics, cell)
            assertClose(try XCTUnwrap(d.settlingTime, cell), try XCTUnwrap(new.dynamics?.settlingTime, cell), relative: 1e-9, cell)
            XCTAssertNil(d.energyPerOperation, cell)
            XCTAssertNil(d.staticEnergy, cell)
            XCTAssertGreaterThan(try XCTUnwrap(d.legacyWindowEnergy, cell), try XCTUnwrap(new.dynamics?.energyPerOperation, cell), cell)
            // Re-encoded, a v1 table becomes a v2 file that decodes to the same table.
            let again = try old.encoded()
            XCTAssertEqual(LookupTable.fileVersion(again), 2, cell)
            XCTAssertEqual(try LookupTable.decode(again, path: cell), old, cell)
        }
    }
}
